import { SANDBOX_DEFAULT_CURRENCY, INVOICE_CREATE_PARAMS, INVOICE_FINALIZE_PARAMS, INVOICE_ITEM_CREATE_PARAMS, INVOICE_PAY_PARAMS, TEST_PAYMENT_METHODS } from './stripe.fixtures.ts';
import { confirmIntent } from './sandbox-payments.ts';
import { addLine, hostedUrl, newInvoice, newInvoiceItem, newPaymentIntent, nextInvoiceNumber, type StripeInvoice, type StripePrice, type StripeState } from './sandbox-state.ts';
import {
  badMetadata,
  booleanParam,
  enumParam,
  formParams,
  integerParam,
  invalid,
  isResponse,
  listRoute,
  metadataOf,
  missingParameter,
  noSuch,
  postToRecord,
  retrieveRoute,
  recordEvent,
  seconds,
  text,
  tooLong,
  unknownParameter,
  type StripeRoute,
} from './sandbox-support.ts';

/**
 * Invoices and invoice items. An invoice is a draft until finalized (items can be added only
 * then), open until paid, and paid by charging a payment method (through a PaymentIntent Stripe
 * creates at finalization) or out of band. The sandbox has no clock: auto_advance is recorded but
 * nothing finalizes or charges on its own.
 */

const COLLECTION_METHODS = ['charge_automatically', 'send_invoice'] as const;
const PENDING_ITEMS_BEHAVIORS = ['exclude', 'include'] as const;

export const invoiceRoutes: StripeRoute[] = [
  {
    method: 'POST',
    path: '/v1/invoices',
    handle: (request, context) => {
      const { state } = context;
      const params = formParams(request);
      const problem = unknownParameter(params, INVOICE_CREATE_PARAMS) ?? missingParameter(params, 'customer') ?? tooLong(params, { description: 1500 }) ?? badMetadata(params);
      if (problem !== undefined) return problem;
      const collectionMethod = enumParam(params, 'collection_method', COLLECTION_METHODS);
      const pendingItems = enumParam(params, 'pending_invoice_items_behavior', PENDING_ITEMS_BEHAVIORS);
      const daysUntilDue = integerParam(params, 'days_until_due', { min: 0 });
      const autoAdvance = booleanParam(params, 'auto_advance');
      for (const value of [collectionMethod, pendingItems, daysUntilDue, autoAdvance]) if (isResponse(value)) return value;
      const customer = state.customers.get(String(params.customer));
      if (customer === undefined) return noSuch('customer', String(params.customer), 'customer', 400);
      if (daysUntilDue !== undefined && collectionMethod !== 'send_invoice') {
        return invalid('The `days_until_due` parameter can only be set when `collection_method` is `send_invoice`.', { param: 'days_until_due' });
      }
      const defaultPaymentMethod = text(params.default_payment_method);
      if (defaultPaymentMethod !== null && TEST_PAYMENT_METHODS[defaultPaymentMethod] === undefined) return noSuch('PaymentMethod', defaultPaymentMethod, 'default_payment_method', 400);
      const currency = text(params.currency) ?? customer.currency ?? SANDBOX_DEFAULT_CURRENCY;
      const invoice = state.invoices.insert(
        newInvoice(state.nextId('in'), seconds(context), customer, {
          currency,
          collectionMethod: (collectionMethod as StripeInvoice['collection_method'] | undefined) ?? 'charge_automatically',
          daysUntilDue: daysUntilDue as number | undefined,
          autoAdvance: (autoAdvance as boolean | undefined) ?? false,
          description: text(params.description),
          metadata: metadataOf(params),
        }),
      );
      invoice.default_payment_method = defaultPaymentMethod;
      if (pendingItems === 'include') {
        const pending = state.invoiceItems.all().filter((item) => item.customer === customer.id && item.invoice === null && item.currency === currency);
        for (const item of pending) {
          item.invoice = invoice.id;
          addLine(invoice, item, state.nextId('il'));
        }
      }
      recordEvent(state, 'invoice.created', invoice, seconds(context));
      return { body: invoice };
    },
  },
  listRoute('/v1/invoices', (state: StripeState) => state.invoices, 'invoice', ['customer', 'status', 'collection_method']),
  retrieveRoute('/v1/invoices', (state: StripeState) => state.invoices, 'invoice', 'invoice'),
  {
    method: 'POST',
    path: '/v1/invoiceitems',
    handle: (request, context) => {
      const { state } = context;
      const params = formParams(request);
      const problem = unknownParameter(params, INVOICE_ITEM_CREATE_PARAMS) ?? missingParameter(params, 'customer') ?? badMetadata(params);
      if (problem !== undefined) return problem;
      const customer = state.customers.get(String(params.customer));
      if (customer === undefined) return noSuch('customer', String(params.customer), 'customer', 400);
      const amount = integerParam(params, 'amount');
      const quantity = integerParam(params, 'quantity', { min: 1 });
      for (const value of [amount, quantity]) if (isResponse(value)) return value;
      const invoiceId = text(params.invoice);
      const invoice = invoiceId === null ? undefined : state.invoices.get(invoiceId);
      if (invoiceId !== null && invoice === undefined) return noSuch('invoice', invoiceId, 'invoice', 400);
      if (invoice !== undefined && invoice.status !== 'draft') {
        return invalid(`You can only add invoice items to draft invoices; invoice ${invoice.id} is ${invoice.status}.`, { code: 'invoice_not_editable', param: 'invoice' });
      }
      if (invoice !== undefined && invoice.customer !== customer.id) {
        return invalid(`The invoice ${invoice.id} belongs to another customer than ${customer.id}.`, { param: 'invoice' });
      }

      const priced = itemPrice(state, params, amount as number | undefined, (quantity as number | undefined) ?? 1);
      if (isResponse(priced)) return priced;
      const currency = priced.currency ?? text(params.currency) ?? invoice?.currency ?? customer.currency;
      if (currency === null) return invalid('Missing required param: currency.', { code: 'parameter_missing', param: 'currency' });
      if (invoice !== undefined && currency !== invoice.currency) {
        return invalid(`The currency of the invoice item (${currency}) must match the invoice's (${invoice.currency}).`, { param: 'currency' });
      }
      const item = state.invoiceItems.insert(
        newInvoiceItem(state.nextId('ii'), seconds(context), {
          customer: customer.id,
          currency,
          unitAmount: priced.unitAmount,
          quantity: priced.quantity,
          description: text(params.description),
          invoice: invoice?.id ?? null,
          price: priced.price,
          metadata: metadataOf(params),
        }),
      );
      if (invoice !== undefined) addLine(invoice, item, state.nextId('il'));
      recordEvent(state, 'invoiceitem.created', item, seconds(context));
      return { body: item };
    },
  },
  postToRecord('/v1/invoices/:invoice/finalize', (state: StripeState) => state.invoices, 'invoice', INVOICE_FINALIZE_PARAMS, (invoice, params, context) => {
    const { state } = context;
    const autoAdvance = booleanParam(params, 'auto_advance');
    if (isResponse(autoAdvance)) return autoAdvance;
    if (invoice.status !== 'draft') {
      return invalid("This invoice is already finalized, you can't re-finalize a non-draft invoice.", { code: 'invoice_not_editable' });
    }
    const now = seconds(context);
    const customer = state.customers.get(invoice.customer);
    Object.assign(invoice, {
      status: 'open',
      number: customer === undefined ? null : nextInvoiceNumber(state, customer),
      effective_at: now,
      hosted_invoice_url: hostedUrl(invoice.id),
      ...(autoAdvance === undefined ? {} : { auto_advance: autoAdvance }),
    });
    invoice.status_transitions.finalized_at = now;
    recordEvent(state, 'invoice.finalized', invoice, now);
    if (invoice.amount_due === 0) {
      // Nothing to collect: Stripe marks it paid at once.
      markPaid(invoice, now);
      recordEvent(state, 'invoice.paid', invoice, now);
    } else {
      // Stripe collects through a PaymentIntent it creates for the open invoice.
      const intent = state.paymentIntents.insert({
        ...newPaymentIntent(state.nextId('pi'), now, { amount: invoice.amount_due, currency: invoice.currency, customer: invoice.customer, description: `Payment for Invoice ${invoice.number ?? invoice.id}` }),
        invoice: invoice.id,
      });
      invoice.payment_intent = intent.id;
    }
    return { body: invoice };
  }),
  postToRecord('/v1/invoices/:invoice/pay', (state: StripeState) => state.invoices, 'invoice', INVOICE_PAY_PARAMS, (invoice, params, context) => {
    const { state } = context;
    const outOfBand = booleanParam(params, 'paid_out_of_band');
    if (isResponse(outOfBand)) return outOfBand;
    if (invoice.status === 'paid') return invalid('Invoice is already paid');
    if (invoice.status !== 'open') return invalid(`You can only pay an open invoice; invoice ${invoice.id} is ${invoice.status}.`, { param: 'invoice' });
    const now = seconds(context);
    const intent = state.paymentIntents.get(invoice.payment_intent ?? '');

    if (outOfBand === true) {
      if (intent !== undefined) Object.assign(intent, { status: 'canceled', canceled_at: now, cancellation_reason: 'void_invoice' });
      markPaid(invoice, now);
      invoice.paid_out_of_band = true;
      recordEvent(state, 'invoice.paid', invoice, now);
      return { body: invoice };
    }
    const customer = state.customers.get(invoice.customer);
    const paymentMethod = text(params.payment_method) ?? invoice.default_payment_method ?? customer?.invoice_settings.default_payment_method ?? null;
    if (paymentMethod === null) {
      return invalid('This customer has no attached payment source or default payment method. Please consider adding a default payment method.', { param: 'payment_method' });
    }
    if (TEST_PAYMENT_METHODS[paymentMethod] === undefined) return noSuch('PaymentMethod', paymentMethod, 'payment_method', 400);
    if (intent === undefined) return invalid(`Invoice ${invoice.id} has no payment to collect.`);
    invoice.attempt_count += 1;
    invoice.attempted = true;
    const declined = confirmIntent(state, intent, paymentMethod, now);
    if (declined !== undefined) {
      recordEvent(state, 'invoice.payment_failed', invoice, now);
      return declined;
    }
    invoice.charge = intent.latest_charge;
    markPaid(invoice, now);
    recordEvent(state, 'invoice.paid', invoice, now);
    recordEvent(state, 'invoice.payment_succeeded', invoice, now);
    return { body: invoice };
  }),
];

function markPaid(invoice: StripeInvoice, now: number): void {
  Object.assign(invoice, { status: 'paid', paid: true, amount_paid: invoice.amount_due, amount_remaining: 0 });
  invoice.status_transitions.paid_at = now;
}

/**
 * An invoice item's price: `amount` is the whole line (quantity 1), `price_data` (or
 * `unit_amount`) a unit price times `quantity`. A saved Price (`price`) is not modelled.
 */
function itemPrice(
  state: StripeState,
  params: Record<string, unknown>,
  amount: number | undefined,
  quantity: number,
): { unitAmount: number; quantity: number; currency: string | null; price: StripePrice | null } | ReturnType<typeof invalid> {
  const priceData = params.price_data;
  const given = [amount !== undefined, priceData !== undefined, params.unit_amount !== undefined, params.price !== undefined].filter(Boolean).length;
  if (given !== 1) return invalid('Give exactly one of amount, price, price_data or unit_amount.', { param: 'amount' });
  if (params.price !== undefined) return noSuch('price', String(params.price), 'price', 400);
  if (amount !== undefined) {
    if (params.quantity !== undefined) return invalid('quantity cannot be set with amount; the amount is the whole line.', { param: 'quantity' });
    return { unitAmount: amount, quantity: 1, currency: null, price: null };
  }
  if (params.unit_amount !== undefined) {
    const unitAmount = integerParam(params, 'unit_amount');
    if (isResponse(unitAmount)) return unitAmount;
    return { unitAmount: unitAmount!, quantity, currency: null, price: null };
  }
  if (typeof priceData !== 'object' || priceData === null) return invalid('Invalid price_data: must be a hash', { param: 'price_data' });
  const data = priceData as Record<string, unknown>;
  for (const name of ['currency', 'product'] as const) {
    if (typeof data[name] !== 'string' || data[name] === '') return invalid(`Missing required param: price_data[${name}].`, { code: 'parameter_missing', param: `price_data[${name}]` });
  }
  const unitAmount = integerParam(data, 'unit_amount', { min: 0, param: 'price_data[unit_amount]' });
  if (isResponse(unitAmount)) return unitAmount;
  if (unitAmount === undefined) return invalid('Missing required param: price_data[unit_amount].', { code: 'parameter_missing', param: 'price_data[unit_amount]' });
  const currency = data.currency as string;
  return {
    unitAmount,
    quantity,
    currency,
    price: {
      id: state.nextId('price'),
      object: 'price',
      active: false,
      currency,
      product: data.product as string,
      type: 'one_time',
      unit_amount: unitAmount,
      unit_amount_decimal: String(unitAmount),
      livemode: false,
    },
  };
}
