/**
 * `application/x-www-form-urlencoded` bodies with nested keys, the way Stripe reads them:
 * `metadata[order_id]=6735`, `items[0][price]=price_1`, `expand[0]=customer`.
 *
 * Arrays are always indexed. Stripe's docs show `expand[]=…` for arrays of scalars, and its
 * servers accept both forms. Its official libraries send indices, though, and only indices keep
 * an array of objects unambiguous (`items[][price]=a&items[][quantity]=2` could be one item or two).
 */

export type FormValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | null
  | undefined
  | readonly FormValue[]
  | { readonly [key: string]: FormValue };

/**
 * Encodes a nested object as a form body.
 *
 * - `undefined` is left out, so optional inputs can be passed straight through.
 * - `null` becomes an empty value (`description=`). Stripe reads that as "unset this field".
 * - An empty array is an empty value too (`default_tax_rates=`): Stripe replaces lists whole,
 *   and an empty value is how it is told to clear one. Leaving the key out would change nothing.
 * - An empty object is left out. Stripe merges `metadata`, so `{}` adds nothing.
 * - Booleans are `true`/`false`, numbers their decimal form, and a `Date` unix seconds (Stripe's
 *   timestamps).
 * - Keys are percent-encoded except the brackets, which stay readable in logs as Stripe's own
 *   libraries send them.
 */
export function encodeForm(value: { readonly [key: string]: FormValue }): string {
  if (!isPlainObject(value)) throw new TypeError('encodeForm: the body must be a plain object of fields');
  const pairs: string[] = [];
  for (const [key, field] of Object.entries(value)) append(pairs, checkedKey(key), field);
  return pairs.join('&');
}

function append(pairs: string[], key: string, value: FormValue): void {
  if (value === undefined) return;
  if (value === null) {
    pairs.push(`${key}=`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) pairs.push(`${key}=`);
    value.forEach((item: FormValue, index) => append(pairs, `${key}[${index}]`, item));
    return;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TypeError(`encodeForm: ${decodeURIComponent(key)} is an invalid Date`);
    pairs.push(`${key}=${Math.floor(ms / 1000)}`);
    return;
  }
  switch (typeof value) {
    case 'string':
      pairs.push(`${key}=${encodeURIComponent(value)}`);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`encodeForm: ${decodeURIComponent(key)} is ${value}, which a form cannot carry`);
      pairs.push(`${key}=${String(value)}`);
      return;
    case 'bigint':
    case 'boolean':
      pairs.push(`${key}=${String(value)}`);
      return;
  }
  if (isPlainObject(value)) {
    for (const [child, field] of Object.entries(value)) append(pairs, `${key}[${checkedKey(child)}]`, field);
    return;
  }
  throw new TypeError(`encodeForm: ${decodeURIComponent(key)} is a ${typeof value}, which a form cannot carry`);
}

function checkedKey(key: string): string {
  // A bracket inside a key would be read back as nesting: `a[b]` as a key would become { a: { b } }.
  if (key === '' || /[[\]]/.test(key)) throw new TypeError(`encodeForm: key ${JSON.stringify(key)} must be non-empty and contain no [ or ]`);
  return encodeURIComponent(key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export type DecodedForm = { [key: string]: DecodedFormValue };
export type DecodedFormValue = string | DecodedFormValue[] | DecodedForm;

const KEY_PATTERN = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

/**
 * The inverse of `encodeForm`, for sandboxes and tests: `items[0][price]=x` becomes
 * `{ items: [{ price: 'x' }] }`. Values stay strings, because a form carries no types (the
 * receiving API's schema decides that `5` is a number). A level whose keys are exactly 0..n-1,
 * or `[]` appends, becomes an array. A key that tries to reach `__proto__` is refused, since
 * this parses bodies a test sends from outside.
 */
export function decodeForm(body: string): DecodedForm {
  const root: Building = {};
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawKey = equals < 0 ? pair : pair.slice(0, equals);
    const rawValue = equals < 0 ? '' : pair.slice(equals + 1);
    const key = decodeComponent(rawKey);
    const match = KEY_PATTERN.exec(key);
    if (match === null) throw new TypeError(`decodeForm: malformed key ${JSON.stringify(key)}`);
    const path = [match[1] as string, ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] as string)];
    assign(root, path, decodeComponent(rawValue), key);
  }
  return arraysOf(root) as DecodedForm;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new TypeError(`decodeForm: malformed percent-encoding in ${JSON.stringify(text)}`);
  }
}

// Arrays are built as objects keyed by index first and converted at the end, so the order the
// pairs arrive in does not matter.
type Building = { [key: string]: string | Building };

function assign(target: Building, path: string[], value: string, key: string): void {
  let node = target;
  for (let i = 0; i < path.length; i++) {
    let segment = path[i] as string;
    if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') {
      throw new TypeError(`decodeForm: key ${JSON.stringify(key)} is not allowed`);
    }
    if (segment === '') segment = String(Object.keys(node).length);
    if (i === path.length - 1) {
      if (Object.hasOwn(node, segment)) throw new TypeError(`decodeForm: key ${JSON.stringify(key)} is given twice or conflicts with a nested key`);
      node[segment] = value;
      return;
    }
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (typeof next === 'string') throw new TypeError(`decodeForm: key ${JSON.stringify(key)} conflicts with a plain value`);
    node = next ?? (node[segment] = {});
  }
}

function arraysOf(value: string | Building): DecodedFormValue {
  if (typeof value === 'string') return value;
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((key) => [key, arraysOf(value[key] as string | Building)]));
  const isList = keys.length > 0 && keys.every((key, index) => key === String(index));
  return isList ? keys.map((key) => converted[key] as DecodedFormValue) : converted;
}
