import { Type } from '@sinclair/typebox';

/**
 * The building blocks every canonical entity shares. Each says its rule in the schema itself
 * (pattern, format), so a violation names the field and the rule without extra code.
 */

/** A decimal amount as a string ("19.99", "-5.00", "1200"): floats lose cents, strings do not. */
export const Decimal = Type.String({
  pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$',
  description: 'A decimal number as a string, e.g. "19.99"; never a float.',
});

/** ISO 4217 alphabetic code, upper case. */
export const CurrencyCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code, e.g. "USD".' });

export const Money = Type.Object(
  { amount: Decimal, currency: CurrencyCode },
  { additionalProperties: false, description: 'An amount in a currency: { "amount": "19.99", "currency": "USD" }.' },
);

/** ISO 3166-1 alpha-2, upper case. */
export const CountryCode = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 country code, e.g. "US".' });

/**
 * ISO 8601 date-time with an explicit offset ("Z" or "+05:30"): a timestamp without one means a
 * different instant in each system that reads it.
 */
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 date-time with an offset, e.g. "2026-11-26T10:15:00Z".',
});

/** A calendar date (invoice due dates), no time and no offset. */
export const CalendarDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'ISO 8601 date, e.g. "2026-12-31".' });

/** Units are explicit: "each" for countable goods, UN/CEFACT-style codes otherwise ("kg", "m"). */
export const Quantity = Type.Object(
  { value: Decimal, unit: Type.String({ minLength: 1, maxLength: 16, description: '"each", "kg", "lb", "m", …' }) },
  { additionalProperties: false, description: 'A quantity with its unit: { "value": "2", "unit": "each" }.' },
);

export const Email = Type.String({ format: 'email', maxLength: 254 });

/** E.164: + and up to 15 digits. */
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164 phone number, e.g. "+14155550100".' });

/**
 * Ids in the systems that hold the record, by connection name: { "shopify": "7001",
 * "netsuite": "3345" }. The xref service is the source of truth; this is what a payload carries.
 */
export const ExternalIds = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.String({ minLength: 1 }), {
  description: 'The record\'s id in each system, keyed by connection name.',
});
