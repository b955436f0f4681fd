import { createCollection, type Collection, type SandboxResponse } from '@weft/sdk/testing';
import {
  SANDBOX_DEFAULT_CURRENCY,
  SEED_CUSTOMER_COUNT,
  SEED_EPOCH_SECONDS,
  SEED_INVOICES,
  SEED_PAYMENT_INTENTS,
  SEED_PAYMENT_METHOD,
  TEST_PAYMENT_METHODS,
  seedCustomerName,
} from './stripe.fixtures.ts';

/** The Stripe sandbox's records, in Stripe's own shapes (the fields the sandbox keeps). */

type Metadata = Record<string, string>;

export interface StripeAddress {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
}

export interface StripeCustomer {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  address: StripeAddress | null;
  shipping: { name: string; phone: string | null; address: StripeAddress } | null;
  metadata: Metadata;
  livemode: false;
  balance: number;
  currency: string | null;
  delinquent: boolean;
  invoice_prefix: string;
  invoice_settings: { default_payment_method: string | null; custom_fields: null; footer: null; rendering_options: null };
}

export interface StripeApiError {
  type: 'card_error';
  code: string;
  decline_code: string;
  message: string;
  charge: string;
  doc_url: string;
}

export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: string;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  confirmation_method: 'automatic';
  customer: string | null;
  description: string | null;
  payment_method: string | null;
  latest_charge: string | null;
  last_payment_error: StripeApiError | null;
  invoice: string | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  client_secret: string;
  receipt_email: string | null;
  created: number;
  metadata: Metadata;
  livemode: false;
  payment_method_types: string[];
}

export interface StripeCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  billing_details: { address: StripeAddress; email: string | null; name: string | null; phone: string | null };
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: false;
  failure_code: string | null;
  failure_message: string | null;
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  outcome: { network_status: string; reason: string | null; risk_level: 'normal'; seller_message: string; type: string };
  paid: boolean;
  payment_intent: string | null;
  payment_method: string | null;
  payment_method_details: { type: 'card'; card: { brand: string; last4: string; exp_month: number; exp_year: number; funding: 'credit' } };
  receipt_email: string | null;
  refunded: boolean;
  status: 'succeeded' | 'failed';
}

export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  charge: string | null;
  payment_intent: string;
  status: 'succeeded';
  reason: string | null;
  created: number;
  metadata: Metadata;
  balance_transaction: string;
}

export interface StripePrice {
  id: string;
  object: 'price';
  active: false;
  currency: string;
  product: string;
  type: 'one_time';
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  livemode: false;
}

export interface StripeInvoiceItem {
  id: string;
  object: 'invoiceitem';
  amount: number;
  currency: string;
  customer: string;
  date: number;
  description: string | null;
  discountable: true;
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  period: { start: number; end: number };
  price: StripePrice | null;
  proration: false;
  quantity: number;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

export interface StripeInvoiceLine {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string | null;
  discountable: true;
  invoice_item: string;
  livemode: false;
  metadata: Metadata;
  period: { start: number; end: number };
  price: StripePrice | null;
  proration: false;
  quantity: number;
  tax_amounts: [];
  type: 'invoiceitem';
  unit_amount_excluding_tax: string | null;
}

export interface StripeInvoice {
  id: string;
  object: 'invoice';
  status: 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
  number: string | null;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  collection_method: 'charge_automatically' | 'send_invoice';
  auto_advance: boolean;
  billing_reason: 'manual';
  currency: string;
  subtotal: number;
  subtotal_excluding_tax: number;
  tax: number | null;
  total: number;
  total_excluding_tax: number;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  amount_shipping: 0;
  starting_balance: 0;
  pre_payment_credit_notes_amount: 0;
  post_payment_credit_notes_amount: 0;
  automatic_tax: { enabled: false; status: null };
  default_tax_rates: [];
  total_tax_amounts: [];
  payment_settings: { default_mandate: null; payment_method_options: null; payment_method_types: null };
  attempt_count: number;
  attempted: boolean;
  paid: boolean;
  paid_out_of_band: boolean;
  charge: string | null;
  payment_intent: string | null;
  default_payment_method: string | null;
  description: string | null;
  due_date: number | null;
  effective_at: number | null;
  hosted_invoice_url: string | null;
  lines: { object: 'list'; data: StripeInvoiceLine[]; has_more: boolean; total_count: number; url: string };
  status_transitions: { finalized_at: number | null; marked_uncollectible_at: number | null; paid_at: number | null; voided_at: number | null };
  period_start: number;
  period_end: number;
  created: number;
  metadata: Metadata;
  livemode: false;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface StripeState {
  customers: Collection<StripeCustomer>;
  paymentIntents: Collection<StripePaymentIntent>;
  charges: Collection<StripeCharge>;
  refunds: Collection<StripeRefund>;
  invoices: Collection<StripeInvoice>;
  invoiceItems: Collection<StripeInvoiceItem>;
  events: Collection<StripeEvent>;
  /** By Idempotency-Key: what the first request sent and what it got back. */
  idempotency: Map<string, { fingerprint: string; requestId: string; response: SandboxResponse }>;
  nextId(prefix: string): string;
}

const EMPTY_ADDRESS: StripeAddress = { line1: null, line2: null, city: null, state: null, postal_code: null, country: null };

export function seedState(): StripeState {
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_Sbx${(++counter).toString(36).padStart(11, '0')}`;
  const state: StripeState = {
    customers: createCollection<StripeCustomer>(),
    paymentIntents: createCollection<StripePaymentIntent>(),
    charges: createCollection<StripeCharge>(),
    refunds: createCollection<StripeRefund>(),
    invoices: createCollection<StripeInvoice>(),
    invoiceItems: createCollection<StripeInvoiceItem>(),
    events: createCollection<StripeEvent>(),
    idempotency: new Map(),
    nextId,
  };
  for (let index = 0; index < SEED_CUSTOMER_COUNT; index++) {
    const name = seedCustomerName(index);
    const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;
    state.customers.insert(newCustomer(nextId('cus'), SEED_EPOCH_SECONDS + index * 3600, { name, email, metadata: { seed: String(index + 1) } }));
  }
  const seeded = state.customers.all();
  SEED_PAYMENT_INTENTS.forEach((seed, index) => {
    const created = SEED_EPOCH_SECONDS + 86_400 + index * 60;
    const customer = seeded[seed.customerIndex]?.id ?? null;
    const reachedCard = seed.status === 'succeeded' || seed.status === 'requires_capture';
    const chargeId = seed.id.replace(/^pi_/, 'ch_');
    state.paymentIntents.insert({
      ...newPaymentIntent(seed.id, created, { amount: seed.amount, currency: seed.currency, customer, description: seed.description }),
      status: seed.status,
      capture_method: seed.status === 'requires_capture' ? 'manual' : 'automatic',
      payment_method: seed.status === 'requires_payment_method' ? null : SEED_PAYMENT_METHOD,
      amount_received: seed.status === 'succeeded' ? seed.amount : 0,
      amount_capturable: seed.status === 'requires_capture' ? seed.amount : 0,
      latest_charge: reachedCard ? chargeId : null,
    });
    if (reachedCard) {
      const captured = seed.status === 'succeeded';
      state.charges.insert({
        ...newCharge(chargeId, created, { amount: seed.amount, currency: seed.currency, customer, description: seed.description, paymentIntent: seed.id, paymentMethod: SEED_PAYMENT_METHOD }),
        captured,
        amount_captured: captured ? seed.amount : 0,
        balance_transaction: captured ? nextId('txn') : null,
      });
    }
  });
  SEED_INVOICES.forEach((seed, index) => {
    const created = SEED_EPOCH_SECONDS + 2 * 86_400 + index * 60;
    const customer = seeded[seed.customerIndex]!;
    const invoice = newInvoice(seed.id, created, customer, { currency: SANDBOX_DEFAULT_CURRENCY, collectionMethod: 'send_invoice', daysUntilDue: 30, autoAdvance: false, description: null, metadata: {} });
    const item = state.invoiceItems.insert(
      newInvoiceItem(nextId('ii'), created, { customer: customer.id, currency: SANDBOX_DEFAULT_CURRENCY, unitAmount: seed.amount, quantity: 1, description: seed.description, invoice: seed.id, price: null, metadata: {} }),
    );
    addLine(invoice, item, nextId('il'));
    if (seed.status !== 'draft') {
      Object.assign(invoice, { status: 'open', number: nextInvoiceNumber(state, customer), effective_at: created, hosted_invoice_url: hostedUrl(seed.id) });
      invoice.status_transitions.finalized_at = created;
    }
    if (seed.status === 'open') {
      // Finalizing created the PaymentIntent that collects it, as Stripe does.
      const intent = state.paymentIntents.insert({
        ...newPaymentIntent(nextId('pi'), created, { amount: invoice.amount_due, currency: invoice.currency, customer: customer.id, description: `Payment for Invoice ${invoice.number}` }),
        invoice: seed.id,
      });
      invoice.payment_intent = intent.id;
    }
    if (seed.status === 'paid') {
      Object.assign(invoice, { status: 'paid', paid: true, paid_out_of_band: true, amount_paid: invoice.amount_due, amount_remaining: 0 });
      invoice.status_transitions.paid_at = created;
    }
    state.invoices.insert(invoice);
  });
  return state;
}

export function newCustomer(
  id: string,
  created: number,
  fields: Partial<Pick<StripeCustomer, 'email' | 'name' | 'description' | 'phone' | 'address' | 'shipping' | 'metadata'>>,
): StripeCustomer {
  return {
    id,
    object: 'customer',
    created,
    email: fields.email ?? null,
    name: fields.name ?? null,
    description: fields.description ?? null,
    phone: fields.phone ?? null,
    address: fields.address ?? null,
    shipping: fields.shipping ?? null,
    metadata: fields.metadata ?? {},
    livemode: false,
    balance: 0,
    currency: null,
    delinquent: false,
    invoice_prefix: id.slice(-8).toUpperCase(),
    invoice_settings: { default_payment_method: null, custom_fields: null, footer: null, rendering_options: null },
  };
}

/** A Stripe address from form parameters: the parts given, the rest null. */
export function addressFrom(value: unknown): StripeAddress | null {
  if (typeof value !== 'object' || value === null) return null;
  const parts = value as Record<string, unknown>;
  const part = (name: keyof StripeAddress) => (typeof parts[name] === 'string' && parts[name] !== '' ? (parts[name] as string) : null);
  return { line1: part('line1'), line2: part('line2'), city: part('city'), state: part('state'), postal_code: part('postal_code'), country: part('country') };
}

export function newPaymentIntent(
  id: string,
  created: number,
  fields: { amount: number; currency: string; customer: string | null; description: string | null },
): StripePaymentIntent {
  return {
    id,
    object: 'payment_intent',
    amount: fields.amount,
    amount_capturable: 0,
    amount_received: 0,
    currency: fields.currency,
    status: 'requires_payment_method',
    capture_method: 'automatic',
    confirmation_method: 'automatic',
    customer: fields.customer,
    description: fields.description,
    payment_method: null,
    latest_charge: null,
    last_payment_error: null,
    invoice: null,
    canceled_at: null,
    cancellation_reason: null,
    // Stripe's shape, <id>_secret_<random>; the sandbox's need not be secret.
    client_secret: `${id}_secret_sandbox`,
    receipt_email: null,
    created,
    metadata: {},
    livemode: false,
    payment_method_types: ['card'],
  };
}

/** A Charge that succeeded (authorized); capture fields are set by the caller. */
export function newCharge(
  id: string,
  created: number,
  fields: { amount: number; currency: string; customer: string | null; description: string | null; paymentIntent: string; paymentMethod: string },
): StripeCharge {
  const card = TEST_PAYMENT_METHODS[fields.paymentMethod] ?? { brand: 'visa', last4: '4242' };
  return {
    id,
    object: 'charge',
    amount: fields.amount,
    amount_captured: 0,
    amount_refunded: 0,
    balance_transaction: null,
    billing_details: { address: { ...EMPTY_ADDRESS }, email: null, name: null, phone: null },
    captured: false,
    created,
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description,
    disputed: false,
    failure_code: null,
    failure_message: null,
    invoice: null,
    livemode: false,
    metadata: {},
    outcome: { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' },
    paid: true,
    payment_intent: fields.paymentIntent,
    payment_method: fields.paymentMethod,
    payment_method_details: { type: 'card', card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034, funding: 'credit' } },
    receipt_email: null,
    refunded: false,
    status: 'succeeded',
  };
}

export function newInvoice(
  id: string,
  created: number,
  customer: StripeCustomer,
  fields: { currency: string; collectionMethod: StripeInvoice['collection_method']; daysUntilDue: number | undefined; autoAdvance: boolean; description: string | null; metadata: Metadata },
): StripeInvoice {
  return {
    id,
    object: 'invoice',
    status: 'draft',
    number: null,
    customer: customer.id,
    // Until finalization Stripe mirrors the customer's details; finalizing freezes them.
    customer_email: customer.email,
    customer_name: customer.name,
    collection_method: fields.collectionMethod,
    auto_advance: fields.autoAdvance,
    billing_reason: 'manual',
    currency: fields.currency,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    tax: null,
    total: 0,
    total_excluding_tax: 0,
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    // No shipping, customer balance, credit notes or tax in the sandbox: Stripe's zeros and empties.
    amount_shipping: 0,
    starting_balance: 0,
    pre_payment_credit_notes_amount: 0,
    post_payment_credit_notes_amount: 0,
    automatic_tax: { enabled: false, status: null },
    default_tax_rates: [],
    total_tax_amounts: [],
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    attempt_count: 0,
    attempted: false,
    paid: false,
    paid_out_of_band: false,
    charge: null,
    payment_intent: null,
    default_payment_method: null,
    description: fields.description,
    due_date: fields.daysUntilDue === undefined ? null : created + fields.daysUntilDue * 86_400,
    effective_at: null,
    hosted_invoice_url: null,
    lines: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoices/${id}/lines` },
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    period_start: created,
    period_end: created,
    created,
    metadata: fields.metadata,
    livemode: false,
  };
}

export function newInvoiceItem(
  id: string,
  date: number,
  fields: { customer: string; currency: string; unitAmount: number; quantity: number; description: string | null; invoice: string | null; price: StripePrice | null; metadata: Metadata },
): StripeInvoiceItem {
  return {
    id,
    object: 'invoiceitem',
    amount: fields.unitAmount * fields.quantity,
    currency: fields.currency,
    customer: fields.customer,
    date,
    description: fields.description,
    discountable: true,
    invoice: fields.invoice,
    livemode: false,
    metadata: fields.metadata,
    period: { start: date, end: date },
    price: fields.price,
    proration: false,
    quantity: fields.quantity,
    unit_amount: fields.unitAmount,
    unit_amount_decimal: String(fields.unitAmount),
  };
}

/** Puts an invoice item on a draft invoice as a line and recomputes the totals (no tax, no discounts). */
export function addLine(invoice: StripeInvoice, item: StripeInvoiceItem, lineId: string): void {
  invoice.lines.data.push({
    id: lineId,
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discountable: true,
    invoice_item: item.id,
    livemode: false,
    metadata: item.metadata,
    period: item.period,
    price: item.price,
    proration: false,
    quantity: item.quantity,
    tax_amounts: [],
    type: 'invoiceitem',
    unit_amount_excluding_tax: item.unit_amount_decimal,
  });
  const total = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
  invoice.lines.total_count = invoice.lines.data.length;
  Object.assign(invoice, { subtotal: total, subtotal_excluding_tax: total, total, total_excluding_tax: total, amount_due: Math.max(0, total), amount_remaining: Math.max(0, total) });
}

/** Stripe's default, customer-level numbering: <customer's invoice_prefix>-<that customer's sequence, four digits>. */
export function nextInvoiceNumber(state: StripeState, customer: StripeCustomer): string {
  const numbered = state.invoices.all().filter((invoice) => invoice.customer === customer.id && invoice.number !== null).length;
  return `${customer.invoice_prefix}-${String(numbered + 1).padStart(4, '0')}`;
}

export function hostedUrl(invoiceId: string): string {
  return `https://invoice.stripe.com/i/sandbox/${invoiceId}`;
}
