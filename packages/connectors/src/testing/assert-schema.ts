import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@weft/sdk';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// Declarations are frozen and live as long as the test process: compile each once.
const compiled = new WeakMap<TSchema, ValidateFunction>();

/**
 * For the connectors' mapping tests: `value` must satisfy `schema` with its formats (email,
 * uri, …), as the engine validates canonical records. Fails with ajv's words for every
 * violation, so a broken mapping says which field.
 */
export function assertMatchesSchema(schema: TSchema, value: unknown, what = 'value'): void {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  assert.ok(validate(value), `${what}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}
