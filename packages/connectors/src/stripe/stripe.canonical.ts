import { canonical, defineMapping, type CanonicalAddress, type CanonicalCustomer, type CanonicalPayment, type Infer } from '@weft/sdk';
import { createCustomer } from './create-customer.action.ts';
import { createPaymentIntent } from './create-payment-intent.action.ts';
import { createRefund } from './create-refund.action.ts';
import { chargeableAmountProblem, fromMinorUnits, toMinorUnits } from './stripe.currencies.ts';
import { REFUND_REASONS } from './stripe.fixtures.ts';
import { address as stripeAddressSchema, charge, customer, invoice, paymentIntent, refund } from './stripe.schemas.ts';

/**
 * Stripe ⇄ Weft's canonical records. Stripe writes money as integers in the currency's minor
 * unit with a lower-case code, and time as unix seconds; canonical money is a decimal string with
 * an upper-case ISO 4217 code, and time ISO 8601 with an offset.
 *
 * `ids` is keyed by connection name, which a mapping cannot know: every id Stripe issued is filed
 * under "stripe", the connector's id. A flow whose Stripe connection has another name re-keys it.
 */
const CONNECTION = 'stripe';

type StripeAddress = Infer<typeof stripeAddressSchema>;
type StripeInvoice = Infer<typeof invoice>;

// ------------------------------------------------------------------------------------ customer

export const customerToCanonical = defineMapping({
  id: 'customer-to-canonical',
  name: 'Stripe customer → customer',
  description:
    'Stripe keeps one `name`: it is split at its last space into firstName and lastName. metadata.company becomes company. A phone or email the canonical formats cannot hold is kept in custom.',
  direction: 'to-canonical',
  canonical: 'customer@1',
  input: customer,
  output: canonical.Customer,
  map: (stripeCustomer) => {
    const custom: Record<string, unknown> = {};
    const result: CanonicalCustomer = { ids: { [CONNECTION]: stripeCustomer.id }, ...personName(stripeCustomer.name), createdAt: isoTimestamp(stripeCustomer.created) };
    if (stripeCustomer.email !== null) {
      if (isEmail(stripeCustomer.email)) result.email = stripeCustomer.email;
      else custom.email = stripeCustomer.email;
    }
    if (stripeCustomer.phone !== null) {
      const phone = e164(stripeCustomer.phone);
      if (phone !== undefined) result.phone = phone;
      else custom.phone = stripeCustomer.phone;
    }
    const company = stripeCustomer.metadata.company;
    if (company !== undefined && company !== '') result.company = company.slice(0, 255);
    const billing = canonicalAddress(stripeCustomer.address ?? null, {});
    if (billing !== undefined) result.billingAddress = billing;
    const shipping = stripeCustomer.shipping;
    if (shipping !== undefined && shipping !== null) {
      const shipTo = canonicalAddress(shipping.address, { name: shipping.name, phone: shipping.phone ?? null });
      if (shipTo !== undefined) result.shippingAddress = shipTo;
    }
    if (stripeCustomer.description !== null) custom.description = stripeCustomer.description;
    if (Object.keys(custom).length > 0) result.custom = custom;
    return result;
  },
});

export const customerFromCanonical = defineMapping({
  id: 'customer-from-canonical',
  name: 'Customer → create-customer input',
  description:
    'name is firstName and lastName, or the company when there is no person; a company beside a person goes in metadata.company. billingAddress becomes address, shippingAddress shipping.',
  direction: 'from-canonical',
  canonical: 'customer@1',
  input: canonical.Customer,
  output: createCustomer.input,
  map: (record) => {
    const person = [record.firstName, record.lastName].filter((part) => part !== undefined && part !== '').join(' ');
    const name = person !== '' ? person : record.company;
    const result: Infer<typeof createCustomer.input> = {};
    if (record.email !== undefined) result.email = record.email;
    if (name !== undefined) result.name = name.slice(0, 256);
    if (record.phone !== undefined) result.phone = record.phone;
    if (record.billingAddress !== undefined) result.address = stripeAddress(record.billingAddress);
    if (record.shippingAddress !== undefined) {
      // Stripe requires a name on a shipping address.
      const recipient = record.shippingAddress.name ?? name;
      if (recipient === undefined) throw new Error('the shipping address has no name, and the customer has none to use; Stripe requires shipping[name]');
      result.shipping = { name: recipient, address: stripeAddress(record.shippingAddress), ...(record.shippingAddress.phone === undefined ? {} : { phone: record.shippingAddress.phone }) };
    }
    if (person !== '' && record.company !== undefined) result.metadata = { company: record.company };
    return result;
  },
});

// ------------------------------------------------------------------------------------ payment

export const paymentToPaymentIntentInput = defineMapping({
  id: 'payment-from-canonical',
  name: 'Payment → create-payment-intent input',
  description:
    'The amount in Stripe\'s minor unit of the currency (19.99 USD → 1999, 500 JPY → 500, 5.120 KWD → 5120); customerIds.stripe becomes customer; order and invoice ids go in metadata. Add payment_method and confirm in the flow.',
  direction: 'from-canonical',
  canonical: 'payment@1',
  input: canonical.Payment,
  output: createPaymentIntent.input,
  map: (payment) => {
    const amount = chargeableMinorUnits(payment.amount.amount, payment.amount.currency);
    if (amount < 1) throw new Error(`a payment must be positive; got ${payment.amount.amount} ${payment.amount.currency}`);
    const result: Infer<typeof createPaymentIntent.input> = { amount, currency: payment.amount.currency.toLowerCase() };
    const customerId = payment.customerIds?.[CONNECTION];
    if (customerId !== undefined) result.customer = stripeId(customerId, 'cus_', 'customerIds.stripe');
    const metadata = { ...idsAsMetadata('order', payment.orderIds), ...idsAsMetadata('invoice', payment.invoiceIds) };
    if (Object.keys(metadata).length > 0) result.metadata = metadata;
    return result;
  },
});

const PAYMENT_INTENT_STATUS: Record<string, CanonicalPayment['status']> = {
  requires_payment_method: 'pending',
  requires_confirmation: 'pending',
  requires_action: 'pending',
  processing: 'pending',
  requires_capture: 'authorized',
  succeeded: 'succeeded',
  canceled: 'cancelled',
};

export const paymentIntentToCanonical = defineMapping({
  id: 'payment-intent-to-canonical',
  name: 'Stripe payment intent → payment',
  description:
    'Status: requires_capture is authorized, canceled cancelled, a failed attempt awaiting another payment method failed, the other unfinished states pending. The amount is what was received once it succeeded.',
  direction: 'to-canonical',
  canonical: 'payment@1',
  input: paymentIntent,
  output: canonical.Payment,
  map: (intent) => {
    const hasFailed = intent.status === 'requires_payment_method' && intent.last_payment_error !== null;
    const status = hasFailed ? 'failed' : PAYMENT_INTENT_STATUS[intent.status];
    if (status === undefined) throw new Error(`payment intent ${intent.id} has a status Weft does not know: ${intent.status}`);
    const received = intent.status === 'succeeded' ? intent.amount_received : intent.amount;
    const result: CanonicalPayment = {
      ids: { [CONNECTION]: intent.id },
      amount: money(received, intent.currency),
      method: 'card',
      status,
      processedAt: isoTimestamp(intent.created),
      custom: { status: intent.status, captureMethod: intent.capture_method, ...(intent.latest_charge === null ? {} : { latestCharge: intent.latest_charge }) },
    };
    if (intent.customer !== null) result.customerIds = { [CONNECTION]: intent.customer };
    if (intent.invoice !== null) result.invoiceIds = { [CONNECTION]: intent.invoice };
    if (hasFailed && intent.last_payment_error?.decline_code !== undefined) result.custom!.declineCode = intent.last_payment_error.decline_code;
    return result;
  },
});

export const chargeToCanonical = defineMapping({
  id: 'charge-to-canonical',
  name: 'Stripe charge → payment',
  description:
    'One attempt to move money. A succeeded charge not yet captured is authorized; the amount is what was captured once it was. The payment intent it belongs to is in custom.paymentIntent.',
  direction: 'to-canonical',
  canonical: 'payment@1',
  input: charge,
  output: canonical.Payment,
  map: (stripeCharge) => {
    const status: CanonicalPayment['status'] =
      stripeCharge.status === 'failed' ? 'failed' : stripeCharge.status === 'pending' ? 'pending' : stripeCharge.captured ? 'succeeded' : 'authorized';
    const custom: Record<string, unknown> = { amountRefunded: fromMinorUnits(stripeCharge.amount_refunded, stripeCharge.currency) };
    if (stripeCharge.payment_intent !== null) custom.paymentIntent = stripeCharge.payment_intent;
    if (stripeCharge.failure_code !== null) custom.failureCode = stripeCharge.failure_code;
    if (stripeCharge.failure_message !== null) custom.failureMessage = stripeCharge.failure_message;
    const result: CanonicalPayment = {
      ids: { [CONNECTION]: stripeCharge.id },
      amount: money(stripeCharge.captured ? stripeCharge.amount_captured : stripeCharge.amount, stripeCharge.currency),
      status,
      processedAt: isoTimestamp(stripeCharge.created),
      custom,
    };
    if (stripeCharge.payment_method_details !== null) result.method = stripeCharge.payment_method_details.type;
    if (stripeCharge.customer !== null) result.customerIds = { [CONNECTION]: stripeCharge.customer };
    if (stripeCharge.invoice !== null) result.invoiceIds = { [CONNECTION]: stripeCharge.invoice };
    return result;
  },
});

// ------------------------------------------------------------------------------------ refund

const REFUND_STATUS: Record<string, Infer<typeof canonical.Refund>['status']> = {
  pending: 'pending',
  requires_action: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'cancelled',
};

export const refundToCanonical = defineMapping({
  id: 'refund-to-canonical',
  name: 'Stripe refund → refund',
  description: 'paymentIds.stripe is the payment intent refunded (or the charge, for a refund of a bare charge).',
  direction: 'to-canonical',
  canonical: 'refund@1',
  input: refund,
  output: canonical.Refund,
  map: (stripeRefund) => {
    const status = REFUND_STATUS[stripeRefund.status ?? 'pending'];
    if (status === undefined) throw new Error(`refund ${stripeRefund.id} has a status Weft does not know: ${stripeRefund.status}`);
    const result: Infer<typeof canonical.Refund> = {
      ids: { [CONNECTION]: stripeRefund.id },
      amount: money(stripeRefund.amount, stripeRefund.currency),
      status,
      createdAt: isoTimestamp(stripeRefund.created),
    };
    const payment = stripeRefund.payment_intent ?? stripeRefund.charge ?? null;
    if (payment !== null) result.paymentIds = { [CONNECTION]: payment };
    if (stripeRefund.reason !== null) result.reason = stripeRefund.reason;
    return result;
  },
});

export const refundFromCanonical = defineMapping({
  id: 'refund-from-canonical',
  name: 'Refund → create-refund input',
  description:
    'paymentIds.stripe must be the payment intent (pi_…). A reason that is one of Stripe\'s (duplicate, fraudulent, requested_by_customer) is passed as reason; any other goes in metadata.reason.',
  direction: 'from-canonical',
  canonical: 'refund@1',
  input: canonical.Refund,
  output: createRefund.input,
  map: (record) => {
    const paymentId = record.paymentIds?.[CONNECTION];
    if (paymentId === undefined) throw new Error('the refund has no paymentIds.stripe: Stripe needs the payment intent (pi_…) to refund');
    const amount = chargeableMinorUnits(record.amount.amount, record.amount.currency);
    if (amount < 1) throw new Error(`a refund must be positive; got ${record.amount.amount} ${record.amount.currency}`);
    const result: Infer<typeof createRefund.input> = { payment_intent: stripeId(paymentId, 'pi_', 'paymentIds.stripe'), amount };
    const metadata = idsAsMetadata('order', record.orderIds);
    if (record.reason !== undefined) {
      const known = (REFUND_REASONS as readonly string[]).includes(record.reason);
      if (known) result.reason = record.reason as (typeof REFUND_REASONS)[number];
      else metadata.reason = record.reason;
    }
    if (Object.keys(metadata).length > 0) result.metadata = metadata;
    return result;
  },
});

// ------------------------------------------------------------------------------------ invoice

export const invoiceToCanonical = defineMapping({
  id: 'invoice-to-canonical',
  name: 'Stripe invoice → invoice',
  description:
    'Each line becomes an order line whose sku is the price\'s product (prod_…), or the invoice item\'s id for an ad-hoc amount. issuedOn is when it was finalized (UTC date), dueOn its due date; uncollectible counts as open. An invoice whose lines do not all fit in the embedded page is refused: read them whole first.',
  direction: 'to-canonical',
  canonical: 'invoice@1',
  input: invoice,
  output: canonical.Invoice,
  map: (stripeInvoice) => {
    if (stripeInvoice.lines.has_more) {
      throw new Error(`invoice ${stripeInvoice.id} has more lines than the ${stripeInvoice.lines.data.length} embedded; read GET /v1/invoices/${stripeInvoice.id}/lines first`);
    }
    if (stripeInvoice.lines.data.length === 0) throw new Error(`invoice ${stripeInvoice.id} has no lines, and a canonical invoice needs at least one`);
    const { currency } = stripeInvoice;
    const buyer: CanonicalCustomer = { ...personName(stripeInvoice.customer_name) };
    if (stripeInvoice.customer !== null) buyer.ids = { [CONNECTION]: stripeInvoice.customer };
    if (stripeInvoice.customer_email !== null && isEmail(stripeInvoice.customer_email)) buyer.email = stripeInvoice.customer_email;
    const status = stripeInvoice.status === 'uncollectible' ? 'open' : stripeInvoice.status;
    if (status === null) throw new Error(`invoice ${stripeInvoice.id} has no status`);
    const issued = stripeInvoice.effective_at ?? stripeInvoice.status_transitions.finalized_at ?? stripeInvoice.created;
    const custom: Record<string, unknown> = { status: stripeInvoice.status, collectionMethod: stripeInvoice.collection_method };
    if (stripeInvoice.hosted_invoice_url !== null) custom.hostedInvoiceUrl = stripeInvoice.hosted_invoice_url;
    if (stripeInvoice.payment_intent !== null) custom.paymentIntent = stripeInvoice.payment_intent;
    const result: Infer<typeof canonical.Invoice> = {
      ids: { [CONNECTION]: stripeInvoice.id },
      customer: buyer,
      currency: currency.toUpperCase(),
      lines: stripeInvoice.lines.data.map((line) => {
        const quantity = line.quantity ?? 1;
        return {
          ids: { [CONNECTION]: line.id },
          sku: line.price?.product ?? line.invoice_item ?? line.id,
          ...(line.description === null ? {} : { name: line.description.slice(0, 255) }),
          quantity: { value: String(quantity), unit: 'each' },
          unitPrice: money(unitAmount(line, quantity, stripeInvoice.id), currency),
          total: money(line.amount, currency),
        };
      }),
      subtotal: money(stripeInvoice.subtotal, currency),
      total: money(stripeInvoice.total, currency),
      balance: money(stripeInvoice.amount_remaining, currency),
      issuedOn: calendarDate(issued),
      status,
      custom,
    };
    if (stripeInvoice.number !== null) result.number = stripeInvoice.number;
    if (stripeInvoice.tax !== null) result.tax = money(stripeInvoice.tax, currency);
    if (stripeInvoice.due_date !== null) result.dueOn = calendarDate(stripeInvoice.due_date);
    return result;
  },
});

/** Every mapping, for the connector's `mappings`. */
export const stripeMappings = [
  customerToCanonical,
  customerFromCanonical,
  paymentToPaymentIntentInput,
  paymentIntentToCanonical,
  chargeToCanonical,
  refundToCanonical,
  refundFromCanonical,
  invoiceToCanonical,
];

// ------------------------------------------------------------------------------------ helpers

function money(minorUnits: number, currency: string): { amount: string; currency: string } {
  return { amount: fromMinorUnits(minorUnits, currency), currency: currency.toUpperCase() };
}

/** Minor units Stripe will accept for a charge or refund, or an error naming the rule. */
function chargeableMinorUnits(amount: string, currency: string): number {
  const minor = toMinorUnits(amount, currency);
  const problem = chargeableAmountProblem(minor, currency);
  if (problem !== undefined) throw new Error(`${amount} ${currency} cannot be sent to Stripe: ${problem}`);
  return minor;
}

/** Unix seconds → "2026-01-01T09:00:00Z". */
function isoTimestamp(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** Unix seconds → the UTC calendar date; Stripe's account time zone is not in the invoice. */
function calendarDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function personName(name: string | null): Pick<CanonicalCustomer, 'firstName' | 'lastName'> {
  const trimmed = name?.trim() ?? '';
  if (trimmed === '') return {};
  const split = trimmed.lastIndexOf(' ');
  if (split < 0) return { firstName: trimmed.slice(0, 255) };
  return { firstName: trimmed.slice(0, split).trim().slice(0, 255), lastName: trimmed.slice(split + 1).slice(0, 255) };
}

// The `email` format's rule (ajv-formats' fast mode), so what is mapped passes the canonical schema.
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** Stripe keeps a phone as typed; canonical is E.164. Spaces, dashes, dots and brackets are dropped; anything else is not guessed at. */
function e164(phone: string): string | undefined {
  const compact = phone.replace(/[\s\-().]/g, '');
  return /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : undefined;
}

function canonicalAddress(address: StripeAddress | null, extra: { name?: string; phone?: string | null }): CanonicalAddress | undefined {
  if (address === null) return undefined;
  const lines = [address.line1, address.line2].filter((line): line is string => typeof line === 'string' && line.trim() !== '');
  const country = address.country?.toUpperCase();
  // A canonical address needs a street, a city and a country; Stripe's every part is optional.
  if (lines.length === 0 || !address.city || country === undefined || !/^[A-Z]{2}$/.test(country)) return undefined;
  const result: CanonicalAddress = { lines, city: address.city, country };
  if (address.state) result.region = address.state;
  if (address.postal_code) result.postalCode = address.postal_code;
  if (extra.name !== undefined && extra.name !== '') result.name = extra.name.slice(0, 255);
  const phone = extra.phone === null || extra.phone === undefined ? undefined : e164(extra.phone);
  if (phone !== undefined) result.phone = phone;
  return result;
}

/** Stripe has two street lines: the third and fourth canonical ones join the second. */
function stripeAddress(address: CanonicalAddress): StripeAddress {
  const [line1, ...rest] = address.lines;
  return {
    line1,
    ...(rest.length === 0 ? {} : { line2: rest.join(', ') }),
    city: address.city,
    ...(address.region === undefined ? {} : { state: address.region }),
    ...(address.postalCode === undefined ? {} : { postal_code: address.postalCode }),
    country: address.country,
  };
}

/** Other systems' ids of the order or invoice a payment is for: metadata[order_shopify]=7001. */
function idsAsMetadata(kind: 'order' | 'invoice', ids: Record<string, string> | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [connection, id] of Object.entries(ids ?? {})) {
    const key = `${kind}_${connection}`;
    // Stripe's limits on metadata: keys up to 40 characters, values up to 500.
    if (key.length > 40 || id.length > 500) throw new Error(`${kind}Ids.${connection} does not fit Stripe metadata (keys up to 40 characters, values up to 500)`);
    metadata[key] = id;
  }
  return metadata;
}

function stripeId(id: string, prefix: string, where: string): string {
  if (!id.startsWith(prefix)) throw new Error(`${where} is "${id}", which is not a Stripe ${prefix}… id`);
  return id;
}

/** The unit price in minor units: the price's, else Stripe's unit amount, else the line total divided evenly. */
function unitAmount(line: StripeInvoice['lines']['data'][number], quantity: number, invoiceId: string): number {
  if (line.price !== null && line.price.unit_amount !== null) return line.price.unit_amount;
  const stated = line.unit_amount_excluding_tax;
  if (typeof stated === 'string' && /^-?\d+$/.test(stated)) return Number(stated);
  if (line.amount % quantity === 0) return line.amount / quantity;
  throw new Error(`line ${line.id} of invoice ${invoiceId} has no whole unit price in minor units`);
}
