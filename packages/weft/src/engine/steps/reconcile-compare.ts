/**
 * When a reconcile step calls two compared values the same. Pure. The values are what the two
 * sides' `compare` expressions give, meant to be canonical values (ADR-0013), so the rule follows
 * the canonical model rather than guessing from how a value looks:
 *
 * - null and no value at all are the same (a vendor that omits a field and one that sends null);
 *   so are an object key holding null and a key that is absent.
 * - Money, an object of exactly `amount` and `currency`: the same currency, and amounts equal as
 *   decimals ("10.0" = "10.00" = 10; "19.999999999999999" ≠ "20").
 * - Two strings that are both ISO 8601 date-times with an offset: the same instant
 *   ("…T00:00:00Z" = "…T01:00:00+01:00" = "…T00:00:00.000Z"), to any fraction of a second.
 * - Any other strings: equal only as written ("02134" ≠ "2134", " 5 " ≠ "5", "0x10" ≠ "16").
 * - Numbers: as numbers (19.9 = 19.90). A number and a string are never equal: write $number()
 *   or $string() in one side's expression to compare them, or compare money objects.
 * - Objects: key by key, in any key order. Arrays: item by item, in order (sort both sides in
 *   their expressions, e.g. $sort(lines.sku), to compare them as sets).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (isAbsent(a) || isAbsent(b)) return isAbsent(a) && isAbsent(b);
  const [moneyA, moneyB] = [asMoney(a), asMoney(b)];
  if (moneyA !== undefined && moneyB !== undefined) return moneyA.currency === moneyB.currency && moneyA.amount === moneyB.amount;
  if (typeof a === 'string' && typeof b === 'string') {
    const [instantA, instantB] = [asInstant(a), asInstant(b)];
    return instantA !== undefined && instantB !== undefined ? instantA === instantB : a === b;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...presentKeys(a), ...presentKeys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  return a === b;
}

/** A compared value as the report shows it: JSON, or "(no value)" for null and nothing. */
export function describeValue(value: unknown): string {
  return isAbsent(value) ? '(no value)' : JSON.stringify(value);
}

/** null and undefined: no value (JSON has no undefined, a report keeps it as null). */
export function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function presentKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((key) => !isAbsent(value[key]));
}

const DECIMAL = /^([+-]?)([0-9]+)(?:\.([0-9]+))?$/;

/** A canonical money object with its amount as a normalised decimal ("010.50" → "10.5"), else undefined. */
function asMoney(value: unknown): { amount: string; currency: string } | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = presentKeys(value);
  if (keys.length !== 2 || !keys.includes('amount') || typeof value.currency !== 'string') return undefined;
  const amount = normalisedDecimal(value.amount);
  return amount === undefined ? undefined : { amount, currency: value.currency };
}

function normalisedDecimal(value: unknown): string | undefined {
  // A finite number's shortest text is a decimal unless it needs an exponent (1e21, 1e-7).
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const whole = match[2]!.replace(/^0+(?=[0-9])/, '');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const isZero = whole === '0' && fraction === '';
  return `${match[1] === '-' && !isZero ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$/;

/**
 * A date-time with an offset as one comparable text: its whole seconds since the epoch, then its
 * fraction without trailing zeros (Date.parse stops at milliseconds). Undefined for anything else,
 * a date without a time or offset included.
 */
function asInstant(text: string): string | undefined {
  const match = DATE_TIME.exec(text);
  if (match === null) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]!.toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  return `${seconds / 1000}.${(match[2] ?? '').replace(/0+$/, '')}`;
}
