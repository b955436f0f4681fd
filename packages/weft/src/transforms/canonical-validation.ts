import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { canonical, type TSchema } from '@weft/sdk';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** One problem, in words an operator can act on: where, and which rule. */
export interface CanonicalViolation {
  /** "lines[0].sku", or "" for the record itself. */
  field: string;
  rule: string;
}

export type CanonicalCheck = { valid: true } | { valid: false; violations: CanonicalViolation[] };

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
addFormats(ajv);
// Keyed by the schema object: declarations are frozen and live as long as the process.
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Validates `value` against a canonical schema. */
export function checkCanonical(ref: canonical.CanonicalRef, value: unknown): CanonicalCheck {
  return checkSchema(canonical.canonicalSchema(ref), value);
}

/**
 * Validates `value` against any TypeBox schema with formats (a mapping's input or output, which
 * embeds canonical schemas), in the same operator-readable terms. Each schema is compiled once.
 */
export function checkSchema(schema: TSchema, value: unknown): CanonicalCheck {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return { valid: true };
  return { valid: false, violations: toViolations(validate.errors ?? []) };
}

/**
 * ajv reports one error per failed keyword, and every branch of a union; operators need the
 * first real reason per field. Union noise ("must match a schema in anyOf") is dropped when a
 * more specific error names the same field.
 */
function toViolations(errors: readonly ErrorObject[]): CanonicalViolation[] {
  const byField = new Map<string, string>();
  for (const error of errors) {
    const field = fieldOf(error);
    if (error.keyword === 'anyOf' && byField.has(field)) continue;
    if (byField.has(field) && error.keyword === 'const') continue;
    byField.set(field, ruleOf(error, errors));
  }
  return [...byField].map(([field, rule]) => ({ field, rule }));
}

function fieldOf(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  return segments.reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}

function ruleOf(error: ErrorObject, all: readonly ErrorObject[]): string {
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field of this schema (vendor extras belong in custom)';
    case 'pattern':
    case 'format':
      return description ? `must be ${lowerFirst(description)} (got ${JSON.stringify(error.data)})` : `${error.message} (got ${JSON.stringify(error.data)})`;
    case 'anyOf': {
      // A union of literals (a status): list the allowed values.
      const allowed = all.filter((other) => other.keyword === 'const' && other.instancePath === error.instancePath).map((other) => JSON.stringify((other.params as { allowedValue: unknown }).allowedValue));
      return allowed.length > 0 ? `must be one of ${allowed.join(', ')} (got ${JSON.stringify(error.data)})` : `${error.message}`;
    }
    default:
      return `${error.message ?? 'is invalid'}${error.data === undefined || typeof error.data === 'object' ? '' : ` (got ${JSON.stringify(error.data)})`}`;
  }
}

/** "A decimal…" → "a decimal…", but "ISO 8601…" stays: an acronym keeps its capitals. */
const lowerFirst = (text: string) => (/^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text).replace(/\.$/, '');

/** "lines[0].sku is required; total.amount must be …": at most `limit` problems, then a count of the rest. */
export function describeViolations(violations: readonly CanonicalViolation[], limit = 3): string {
  const shown = violations.slice(0, limit).map((violation) => (violation.field ? `${violation.field} ${violation.rule}` : violation.rule));
  const rest = violations.length - shown.length;
  return shown.join('; ') + (rest > 0 ? `; and ${rest} more` : '');
}
