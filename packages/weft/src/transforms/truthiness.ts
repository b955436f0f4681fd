/**
 * Whether a JSONata value counts as true, by JSONata's own `$boolean` rules, so that a `when`
 * reads the way the same expression would inside a JSONata predicate: `[]` and `{}` are false,
 * unlike in JavaScript.
 */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'function') return false;
  if (Array.isArray(value)) return value.length === 1 ? isTruthy(value[0]) : value.some(isTruthy);
  if (typeof value === 'object') return isJsonataLambda(value) ? false : Object.keys(value).length > 0;
  return Boolean(value);
}

/** JSONata's functions are objects marked by the evaluator; `$boolean` counts them as false. */
function isJsonataLambda(value: object): boolean {
  return '_jsonata_lambda' in value || '_jsonata_function' in value;
}
