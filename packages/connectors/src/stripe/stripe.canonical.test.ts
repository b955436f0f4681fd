import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { canonical, type Mapping, type TSchema } from '@weft/sdk';
import { runAction, type TestHttpClient } from '@weft/sdk/testing';
import { createPaymentIntent } from './create-payment-intent.action.ts';
import { createRefund } from './create-refund.action.ts';
import {
  chargeToCanonical,
  customerFromCanonical,
  customerToCanonical,
  invoiceToCanonical,
  paymentIntentToCanonical,
  paymentToPaymentIntentInput,
  refundFromCanonical,
  refundToCanonical,
} from './stripe.canonical.ts';
import { stripe } from './stripe.connector.ts';
import { fromMinorUnits, stripeDecimals, toMinorUnits } from './stripe.currencies.ts';
import { startStripeSandbox, type StripeSandbox } from './stripe.sandbox.ts';
import { sandboxClient } from './stripe.test-client.ts';
import { retrieveCharge } from './retrieve-charge.action.ts';
import { retrieveInvoice } from './retrieve-invoice.action.ts';
import { SEED_INVOICES } from './stripe.fixtures.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';


function mapValid<I extends TSchema, O extends TSchema>(mapping: Mapping<I, O>, input: Parameters<Mapping<I, O>['map']>[0]): ReturnType<Mapping<I, O>['map']> {
  assertMatchesSchema(mapping.input, input, `${mapping.id} input`);
  const output = mapping.map(input);
  assertMatchesSchema(mapping.output, output, `${mapping.id} output`);
  return output;
}

// Vendor-shaped records as Stripe sends them (API version 2023-08-16), trimmed to the fields read.
const STRIPE_CUSTOMER = {
  id: 'cus_NffrFeUfNV2Hib',
  object: 'customer' as const,
  created: 1_680_893_993,
  email: 'jenny.rosen@example.com',
  name: 'Jenny van Rosen',
  description: 'Wholesale account',
  phone: '+1 (415) 555-0100',
  metadata: { company: 'Rosen Imports' },
  livemode: false,
  address: { line1: '510 Townsend St', line2: 'Floor 2', city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'us' },
  shipping: { name: 'Jenny Rosen', phone: null, address: { line1: '1 Dock Rd', line2: null, city: 'Oakland', state: 'CA', postal_code: '94607', country: 'US' } },
};

const STRIPE_REFUND = {
  id: 're_1Nispe2eZvKYlo2Cd31jOCgZ',
  object: 'refund' as const,
  amount: 1000,
  currency: 'usd',
  payment_intent: 'pi_3Nispd2eZvKYlo2C0QeDaNbw',
  status: 'succeeded',
  reason: 'requested_by_customer' as const,
  created: 1_692_942_318,
  metadata: {},
};

describe('stripe currencies: decimal amounts ⇄ Stripe minor units', () => {
  it('uses Stripe\'s table: two decimals by default, zero for JPY and its kind, three for KWD and its kind', () => {
    assert.deepEqual(['usd', 'EUR', 'jpy', 'KRW', 'ugx', 'kwd', 'BHD', 'isk'].map(stripeDecimals), [2, 2, 0, 0, 0, 3, 3, 2]);
    assert.equal(toMinorUnits('19.99', 'USD'), 1999);
    assert.equal(toMinorUnits('19.9', 'USD'), 1990);
    assert.equal(toMinorUnits('1200', 'EUR'), 120000);
    assert.equal(toMinorUnits('500', 'JPY'), 500);
    assert.equal(toMinorUnits('500.00', 'JPY'), 500);
    assert.equal(toMinorUnits('5.124', 'KWD'), 5124);
    assert.equal(toMinorUnits('-2.50', 'EUR'), -250);
    assert.equal(toMinorUnits('0.07', 'usd'), 7);
    assert.deepEqual([fromMinorUnits(1999, 'usd'), fromMinorUnits(7, 'usd'), fromMinorUnits(500, 'jpy'), fromMinorUnits(5120, 'kwd'), fromMinorUnits(-250, 'eur'), fromMinorUnits(0, 'usd')], ['19.99', '0.07', '500', '5.120', '-2.50', '0.00']);
  });

  it('refuses to round: more decimals than the currency has, or anything not a decimal string', () => {
    assert.throws(() => toMinorUnits('19.999', 'USD'), /more decimal places/);
    assert.throws(() => toMinorUnits('500.5', 'JPY'), /more decimal places/);
    assert.throws(() => toMinorUnits('1e3', 'USD'), /not a decimal amount/);
    assert.throws(() => toMinorUnits('99999999999999999', 'USD'), /too large/);
  });
});

describe('stripe mappings, on vendor-shaped records', () => {
  it('are all listed on the connector', () => {
    assert.deepEqual(stripe.mappings.map((mapping) => mapping.id).sort(), [
      'charge-to-canonical', 'customer-from-canonical', 'customer-to-canonical', 'invoice-to-canonical',
      'payment-from-canonical', 'payment-intent-to-canonical', 'refund-from-canonical', 'refund-to-canonical',
    ]);
  });

  it('maps a Stripe customer to a canonical one: name split, E.164 phone, upper-case country, ISO time', () => {
    const mapped = mapValid(customerToCanonical, STRIPE_CUSTOMER);
    assert.deepEqual(mapped, {
      ids: { stripe: 'cus_NffrFeUfNV2Hib' },
      firstName: 'Jenny van',
      lastName: 'Rosen',
      email: 'jenny.rosen@example.com',
      phone: '+14155550100',
      company: 'Rosen Imports',
      createdAt: '2023-04-07T18:59:53Z',
      billingAddress: { lines: ['510 Townsend St', 'Floor 2'], city: 'San Francisco', region: 'CA', postalCode: '94103', country: 'US' },
      shippingAddress: { name: 'Jenny Rosen', lines: ['1 Dock Rd'], city: 'Oakland', region: 'CA', postalCode: '94607', country: 'US' },
      custom: { description: 'Wholesale account' },
    });
    const sparse = mapValid(customerToCanonical, { ...STRIPE_CUSTOMER, name: null, email: 'not an email', phone: '555-0100 ext 4', metadata: {}, address: { city: 'Nowhere' }, shipping: null, description: null });
    assert.deepEqual(sparse, { ids: { stripe: STRIPE_CUSTOMER.id }, createdAt: '2023-04-07T18:59:53Z', custom: { email: 'not an email', phone: '555-0100 ext 4' } });
  });

  it('maps a canonical customer to create-customer input, the company beside a person kept in metadata', () => {
    const input = mapValid(customerFromCanonical, {
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines Ltd',
      phone: '+442079460000',
      billingAddress: { lines: ['12 St James Sq', 'Suite 4', 'Attn: Accounts'], city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
      shippingAddress: { lines: ['1 Dock Rd'], city: 'London', country: 'GB' },
    });
    assert.deepEqual(input, {
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: '+442079460000',
      address: { line1: '12 St James Sq', line2: 'Suite 4, Attn: Accounts', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' },
      shipping: { name: 'Ada Lovelace', address: { line1: '1 Dock Rd', city: 'London', country: 'GB' } },
      metadata: { company: 'Analytical Engines Ltd' },
    });
    assert.deepEqual(mapValid(customerFromCanonical, { company: 'Acme GmbH' }), { name: 'Acme GmbH' });
    assert.throws(() => customerFromCanonical.map({ shippingAddress: { lines: ['x'], city: 'y', country: 'DE' } }), /shipping\[name\]/);
  });

  it('maps a canonical payment to create-payment-intent input in minor units, JPY and KWD included', () => {
    const usd = mapValid(paymentToPaymentIntentInput, {
      amount: { amount: '19.99', currency: 'USD' },
      status: 'pending',
      processedAt: '2026-01-01T10:00:00Z',
      customerIds: { stripe: 'cus_NffrFeUfNV2Hib', shopify: '7001' },
      orderIds: { shopify: '#1001' },
    });
    assert.deepEqual(usd, { amount: 1999, currency: 'usd', customer: 'cus_NffrFeUfNV2Hib', metadata: { order_shopify: '#1001' } });
    const base = { status: 'pending' as const, processedAt: '2026-01-01T10:00:00+09:00' };
    assert.deepEqual(mapValid(paymentToPaymentIntentInput, { ...base, amount: { amount: '500', currency: 'JPY' } }), { amount: 500, currency: 'jpy' });
    assert.deepEqual(mapValid(paymentToPaymentIntentInput, { ...base, amount: { amount: '5.120', currency: 'KWD' } }), { amount: 5120, currency: 'kwd' });
    assert.throws(() => paymentToPaymentIntentInput.map({ ...base, amount: { amount: '5.124', currency: 'KWD' } }), /must end in 0/);
    assert.throws(() => paymentToPaymentIntentInput.map({ ...base, amount: { amount: '1000.50', currency: 'ISK' } }), /divisible by 100/);
    assert.throws(() => paymentToPaymentIntentInput.map({ ...base, amount: { amount: '500.5', currency: 'JPY' } }), /decimal places/);
    assert.throws(() => paymentToPaymentIntentInput.map({ ...base, amount: { amount: '0', currency: 'USD' } }), /must be positive/);
    assert.throws(() => paymentToPaymentIntentInput.map({ ...base, amount: { amount: '1', currency: 'USD' }, customerIds: { stripe: '7001' } }), /not a Stripe cus_/);
  });

  it('maps a canonical refund to create-refund input, and a Stripe refund back', () => {
    const input = mapValid(refundFromCanonical, {
      paymentIds: { stripe: 'pi_3Nispd2eZvKYlo2C0QeDaNbw' },
      amount: { amount: '10.00', currency: 'USD' },
      reason: 'Damaged in transit',
      status: 'pending',
      createdAt: '2026-01-02T09:00:00Z',
    });
    assert.deepEqual(input, { payment_intent: 'pi_3Nispd2eZvKYlo2C0QeDaNbw', amount: 1000, metadata: { reason: 'Damaged in transit' } });
    assert.equal(refundFromCanonical.map({ paymentIds: { stripe: 'pi_1' }, amount: { amount: '1', currency: 'EUR' }, reason: 'duplicate', status: 'pending', createdAt: '2026-01-02T09:00:00Z' }).reason, 'duplicate');
    assert.throws(() => refundFromCanonical.map({ amount: { amount: '1', currency: 'EUR' }, status: 'pending', createdAt: '2026-01-02T09:00:00Z' }), /no paymentIds\.stripe/);

    assert.deepEqual(mapValid(refundToCanonical, STRIPE_REFUND), {
      ids: { stripe: 're_1Nispe2eZvKYlo2Cd31jOCgZ' },
      paymentIds: { stripe: 'pi_3Nispd2eZvKYlo2C0QeDaNbw' },
      amount: { amount: '10.00', currency: 'USD' },
      reason: 'requested_by_customer',
      status: 'succeeded',
      createdAt: '2023-08-25T05:45:18Z',
    });
    assert.equal(mapValid(refundToCanonical, { ...STRIPE_REFUND, status: null, reason: null }).status, 'pending');
  });
});

describe('stripe mappings, on what the sandbox answers', () => {
  let sandbox: StripeSandbox;
  let http: TestHttpClient;
  before(async () => {
    sandbox = await startStripeSandbox();
    http = sandboxClient(sandbox);
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('maps payment intents and charges through their statuses', async () => {
    const customer = sandbox.state().customers.all()[0]!.id;
    const toInput = paymentToPaymentIntentInput.map({ amount: { amount: '1250', currency: 'JPY' }, status: 'pending', processedAt: '2026-01-01T00:00:00Z', customerIds: { stripe: customer } });
    const paid = await runAction(createPaymentIntent, { ...toInput, payment_method: 'pm_card_visa', confirm: true }, { http });
    const payment = mapValid(paymentIntentToCanonical, paid);
    assert.deepEqual([payment.status, payment.amount, payment.customerIds, payment.ids], ['succeeded', { amount: '1250', currency: 'JPY' }, { stripe: customer }, { stripe: paid.id }]);
    const charge = mapValid(chargeToCanonical, await runAction(retrieveCharge, { id: paid.latest_charge! }, { http }));
    assert.deepEqual([charge.status, charge.method, charge.amount.amount, charge.custom?.paymentIntent], ['succeeded', 'card', '1250', paid.id]);

    const authorized = await runAction(createPaymentIntent, { amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' }, { http });
    assert.equal(mapValid(paymentIntentToCanonical, authorized).status, 'authorized');
    assert.equal(mapValid(chargeToCanonical, await runAction(retrieveCharge, { id: authorized.latest_charge! }, { http })).status, 'authorized');

    const declined = await runAction(createPaymentIntent, { amount: 700, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }, { http }).catch((error: unknown) => error);
    assert.ok(declined instanceof Error);
    const failedIntent = [...sandbox.state().paymentIntents.all()].at(-1)!;
    const failed = mapValid(paymentIntentToCanonical, failedIntent);
    assert.deepEqual([failed.status, failed.custom?.declineCode], ['failed', 'generic_decline']);
    const failedCharge = mapValid(chargeToCanonical, sandbox.state().charges.get(failedIntent.latest_charge!)!);
    assert.deepEqual([failedCharge.status, failedCharge.custom?.failureCode], ['failed', 'card_declined']);

    const refund = await runAction(createRefund, refundFromCanonical.map({ paymentIds: { stripe: paid.id }, amount: { amount: '250', currency: 'JPY' }, status: 'pending', createdAt: '2026-01-01T00:00:00Z' }), { http });
    assert.deepEqual(mapValid(refundToCanonical, refund).amount, { amount: '250', currency: 'JPY' });
  });

  it('maps invoices: lines, totals, dates, and uncollectible as open', async () => {
    const [, open, paid] = SEED_INVOICES;
    const invoice = await runAction(retrieveInvoice, { id: open.id }, { http });
    const mapped = mapValid(invoiceToCanonical, invoice);
    assert.equal(mapped.status, 'open');
    assert.equal(mapped.number, invoice.number);
    assert.deepEqual(mapped.total, { amount: fromMinorUnits(open.amount, 'usd'), currency: 'USD' });
    assert.deepEqual(mapped.balance, mapped.total);
    assert.equal(mapped.issuedOn, new Date(invoice.effective_at! * 1000).toISOString().slice(0, 10));
    assert.equal(mapped.dueOn, new Date(invoice.due_date! * 1000).toISOString().slice(0, 10));
    assert.deepEqual(mapped.customer.ids, { stripe: invoice.customer });
    assert.deepEqual(mapped.lines.map((line) => [line.sku, line.quantity, line.unitPrice.amount, line.total.amount]), [
      [invoice.lines.data[0]!.invoice_item, { value: '1', unit: 'each' }, '45.00', '45.00'],
    ]);
    assert.equal(mapValid(invoiceToCanonical, await runAction(retrieveInvoice, { id: paid.id }, { http })).status, 'paid');
    assert.deepEqual([mapValid(invoiceToCanonical, { ...invoice, status: 'uncollectible' }).status, mapValid(invoiceToCanonical, { ...invoice, status: 'uncollectible' }).custom?.status], ['open', 'uncollectible']);

    const priced = { ...invoice, lines: { ...invoice.lines, data: [{ ...invoice.lines.data[0]!, amount: 3750, quantity: 3, price: { id: 'price_1', object: 'price' as const, currency: 'usd', product: 'prod_Widget', unit_amount: 1250, unit_amount_decimal: '1250' } }] } };
    assert.deepEqual(mapValid(invoiceToCanonical, priced).lines[0]?.sku, 'prod_Widget');
    assert.throws(() => invoiceToCanonical.map({ ...invoice, lines: { ...invoice.lines, has_more: true } }), /more lines than/);
    assert.throws(() => invoiceToCanonical.map({ ...invoice, lines: { ...invoice.lines, data: [] } }), /no lines/);
  });

  it('validates the canonical schemas it claims', () => {
    for (const mapping of stripe.mappings.filter((candidate) => candidate.direction === 'to-canonical')) {
      const expected = { customer: canonical.Customer, payment: canonical.Payment, refund: canonical.Refund, invoice: canonical.Invoice }[mapping.entity as 'customer'];
      assert.equal(mapping.output, expected, `${mapping.id} outputs ${mapping.entity}@${mapping.version}`);
    }
  });
});
