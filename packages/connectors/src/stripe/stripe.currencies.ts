/**
 * How many decimal places Stripe's API uses for each currency: amounts travel as integers in the
 * currency's minor unit, and Stripe's minor unit is not always ISO 4217's.
 *
 * Source: Stripe, "Supported currencies" (https://docs.stripe.com/currencies), sections
 * "Zero-decimal currencies", "Three-decimal currencies" and "Special cases"; and Stripe support,
 * "Deprecation of fractional ISK charges and refunds" (April 2023). Every other currency Stripe
 * supports is two-decimal.
 */

/** The amount is the number of whole units: ¥500 is `500`. */
export const ZERO_DECIMAL_CURRENCIES = [
  'BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
] as const;

/**
 * The amount is in thousandths, and its last digit must be 0 for Stripe's payment partners:
 * 5.124 KWD cannot be charged; 5.120 KWD is `5120`.
 */
export const THREE_DECIMAL_CURRENCIES = ['BHD', 'JOD', 'KWD', 'OMR', 'TND'] as const;

/**
 * Two-decimal in the API for backwards compatibility, yet only whole units can be charged: ISK
 * amounts must be divisible by 100 (Stripe answers 400 invalid_charge_amount_no_decimal_compatible).
 * HUF and TWD are also whole-unit for payouts only, which charges do not meet, so they are not here.
 */
export const WHOLE_UNITS_IN_TWO_DECIMALS = ['ISK'] as const;

/** Decimal places of Stripe's minor unit for a currency code in either case. */
export function stripeDecimals(currency: string): 0 | 2 | 3 {
  const code = currency.toUpperCase();
  if ((ZERO_DECIMAL_CURRENCIES as readonly string[]).includes(code)) return 0;
  if ((THREE_DECIMAL_CURRENCIES as readonly string[]).includes(code)) return 3;
  return 2;
}

/**
 * Why Stripe would refuse this minor-unit amount in this currency, or undefined: the special
 * cases above. Shared by the mappings (to refuse before sending) and the sandbox (to answer as Stripe).
 */
export function chargeableAmountProblem(minorUnits: number, currency: string): string | undefined {
  const code = currency.toUpperCase();
  if ((THREE_DECIMAL_CURRENCIES as readonly string[]).includes(code) && minorUnits % 10 !== 0) {
    return `Amounts in ${code} must end in 0 (a whole hundredth, e.g. 5.120, not 5.124)`;
  }
  if ((WHOLE_UNITS_IN_TWO_DECIMALS as readonly string[]).includes(code) && minorUnits % 100 !== 0) {
    return `Currency ${code} has become effectively zero-decimal and charged amounts must be evenly divisible by 100`;
  }
  return undefined;
}

const DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * "19.99" USD → 1999, "500" JPY → 500, "5.120" KWD → 5120. Exact, on the digits: no float ever
 * holds the amount. Digits beyond Stripe's precision must be zeros ("19.990" is fine, "19.999" is
 * refused: rounding money silently is not a mapping's decision).
 */
export function toMinorUnits(amount: string, currency: string): number {
  const match = DECIMAL.exec(amount);
  if (match === null) throw new RangeError(`"${amount}" is not a decimal amount such as "19.99"`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const decimals = stripeDecimals(currency);
  const kept = fraction.slice(0, decimals);
  if (/[^0]/.test(fraction.slice(decimals))) {
    throw new RangeError(`${amount} ${currency.toUpperCase()} has more decimal places than the currency's ${decimals} in Stripe`);
  }
  const minor = Number(`${sign}${whole}${kept.padEnd(decimals, '0')}`);
  if (!Number.isSafeInteger(minor)) throw new RangeError(`${amount} ${currency.toUpperCase()} is too large`);
  return minor;
}

/** 1999 USD → "19.99", 500 JPY → "500", 5120 KWD → "5.120", -250 EUR → "-2.50". */
export function fromMinorUnits(minorUnits: number, currency: string): string {
  if (!Number.isSafeInteger(minorUnits)) throw new RangeError(`${minorUnits} is not a whole number of minor units`);
  const decimals = stripeDecimals(currency);
  const sign = minorUnits < 0 ? '-' : '';
  const digits = String(Math.abs(minorUnits)).padStart(decimals + 1, '0');
  if (decimals === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
