import { Kind } from '@sinclair/typebox';

/**
 * Shared checks for the define* functions. A connector is validated when its module loads, so a
 * malformed declaration fails at startup (and in its own tests), never halfway through a run.
 */

// Ids are addressed as `connector/action` in flow files and URLs, so they stay URL- and YAML-safe.
const KEBAB_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export function assertKebabId(where: string, id: unknown): void {
  if (typeof id !== 'string' || !KEBAB_ID.test(id)) {
    throw new TypeError(`${where}: id ${JSON.stringify(id)} must be kebab-case, e.g. "create-order"`);
  }
}

export function assertText(where: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${where}: ${field} must be a non-empty string`);
}

export function assertHttpUrl(where: string, field: string, value: unknown): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError(`${where}: ${field} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
}

export function assertSchema(where: string, field: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || !(Kind in value)) {
    throw new TypeError(`${where}: ${field} must be a schema built with schema.* (TypeBox)`);
  }
}

export function assertFunction(where: string, field: string, value: unknown): void {
  if (typeof value !== 'function') throw new TypeError(`${where}: ${field} must be a function`);
}

export function assertPositive(where: string, field: string, value: unknown, { integer = false } = {}): void {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new TypeError(`${where}: ${field} must be a positive ${integer ? 'integer' : 'number'}`);
  }
}

/**
 * Declarations are shared by every run and every worker, so a run that mutated one would change
 * the next run's behaviour. Schemas are left alone: they belong to TypeBox and may be shared
 * with code outside the connector.
 */
export function freezeDeclaration<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || Kind in value) return value;
  for (const nested of Object.values(value)) freezeDeclaration(nested);
  return Object.freeze(value);
}
