import type { ErrorObject } from 'ajv';
import { closestMatch } from './did-you-mean.ts';
import type { FlowPath } from './diagnostic.ts';

/**
 * What flow files and flow test files share when ajv says a document does not fit its schema:
 * which errors to report, where they point, and how an unknown key is told.
 */

/** A union's own error stands for its branches' errors, which only say how each branch failed. */
export function reportedSchemaErrors(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((error) => error.keyword === 'anyOf');
  return errors.filter((error) => !unions.some((union) => error.schemaPath.startsWith(`${union.schemaPath}/`)));
}

/** An ajv instance path (`/steps/0/call`) as a path into `value`, after `base`; list indexes as numbers. */
export function schemaErrorPath(instancePath: string, value: unknown, base: FlowPath = []): FlowPath {
  const path: Array<string | number> = [...base];
  let current = value;
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const key = Array.isArray(current) ? Number(segment) : segment;
    path.push(key);
    current = (current as Record<string | number, unknown> | undefined)?.[key];
  }
  return path;
}

/** An `additionalProperties` error at `path`, pointed at the key, with the closest allowed key or the list. */
export function unknownKeyIssue(error: ErrorObject, path: FlowPath, where: string): { path: FlowPath; isAtKey: true; message: string; hint: string } {
  const key = String((error.params as { additionalProperty: string }).additionalProperty);
  const allowed = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
  const suggestion = closestMatch(key, allowed);
  return {
    path: [...path, key],
    isAtKey: true,
    message: `unknown key '${key}' in ${where}`,
    hint: suggestion === undefined ? `allowed keys: ${allowed.join(', ')}` : `did you mean ${suggestion}?`,
  };
}
