/**
 * A fast lane for the commonest expressions, plain property paths (`steps.toErp`,
 * `trigger.headers."x-id"`): a dedupe key, a call body. JSONata evaluates even these through its
 * generator-based evaluator, dozens of microseconds each; walking the properties takes well under
 * one. The lane answers only where the result is certainly what JSONata gives — objects all the
 * way and a result that is not an array (JSONata's sequence rules start there) — and otherwise
 * says it cannot, and JSONata evaluates as before.
 */

export const NOT_PLAIN: unique symbol = Symbol('not a plain property path result');

export type PropertyPathResolver = (input: unknown) => unknown;

const PATH_KEYS = new Set(['type', 'steps', 'position']);
const STEP_KEYS = new Set(['type', 'value', 'position']);

/** A resolver when `ast` is a path of plain names and nothing else; undefined otherwise. */
export function compilePropertyPath(ast: unknown): PropertyPathResolver | undefined {
  const node = ast as { type?: unknown; steps?: unknown };
  if (node.type !== 'path' || !Array.isArray(node.steps) || node.steps.length === 0) return undefined;
  if (!Object.keys(node).every((key) => PATH_KEYS.has(key))) return undefined;
  const names: string[] = [];
  for (const step of node.steps as Array<Record<string, unknown>>) {
    if (step.type !== 'name' || typeof step.value !== 'string') return undefined;
    if (!Object.keys(step).every((key) => STEP_KEYS.has(key))) return undefined;
    names.push(step.value);
  }
  return (input) => {
    let value = input;
    for (const name of names) {
      if (!isPlainObject(value)) return value === undefined ? undefined : NOT_PLAIN;
      if (Object.hasOwn(value, name)) value = value[name];
      else if (name in value) return NOT_PLAIN; // inherited (`constructor`): JSONata reads those
      else value = undefined;
    }
    // Arrays, functions and odd numbers are where JSONata's own rules begin.
    if (value === undefined || value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_PLAIN;
    return isPlainObject(value) ? value : NOT_PLAIN;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
