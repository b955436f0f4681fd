/**
 * Deep partial matching: what a test states must be there, what it leaves out may be anything.
 * Objects match when every expected key matches (extra actual keys are fine); arrays match
 * element by element and must have the same length (a partial list would hide a missing or
 * extra line, the usual bug); anything else must be equal. Every mismatch is reported, each
 * with its path, so one run of a failing test shows all that is wrong.
 */

export interface Mismatch {
  /** `lines[0].sku`; empty for the value itself. */
  path: string;
  expected: unknown;
  actual: unknown;
  /** Set when a key or element is absent rather than different. */
  isMissing?: boolean;
}

export function matchPartial(expected: unknown, actual: unknown, path = ''): Mismatch[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [{ path, expected, actual }];
    if (actual.length !== expected.length) return [{ path: `${path}.length`.replace(/^\./, ''), expected: expected.length, actual: actual.length }];
    return expected.flatMap((item, index) => matchPartial(item, actual[index], `${path}[${index}]`));
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return [{ path, expected, actual }];
    return Object.entries(expected).flatMap(([key, value]) => {
      const keyPath = path === '' ? key : `${path}.${key}`;
      if (!Object.hasOwn(actual, key)) return [{ path: keyPath, expected: value, actual: undefined, isMissing: true }];
      return matchPartial(value, actual[key], keyPath);
    });
  }
  return Object.is(expected, actual) ? [] : [{ path, expected, actual }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line per mismatch: `  at lines[0].sku: expected "MUG-1", got "MUG-2"`. */
export function formatMismatches(mismatches: readonly Mismatch[], indent = '  '): string[] {
  return mismatches.map((mismatch) => {
    const where = mismatch.path === '' ? '' : `at ${mismatch.path}: `;
    const got = mismatch.isMissing ? 'it is missing' : `got ${show(mismatch.actual)}`;
    return `${indent}${where}expected ${show(mismatch.expected)}, ${got}`;
  });
}

/** Values as JSON, long ones cut so a diff stays readable. */
export function show(value: unknown, maxLength = 200): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
