import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConflictError, NotFoundError, RateLimitedError, ValidationError, type Action, type DeclarativeAction } from '@weft/sdk';
import { connectorContract, createTestHttpClient, runAction, type TestHttpClient } from '@weft/sdk/testing';
import { createCustomer } from './create-customer.action.ts';
import { createRefund } from './create-refund.action.ts';
import { listCustomers } from './list-customers.action.ts';
import { retrievePaymentIntent } from './retrieve-payment-intent.action.ts';
import { SEED_CUSTOMER_COUNT, SEED_INVOICES, SEED_PAYMENT_INTENTS } from './stripe.fixtures.ts';
import { stripe } from './stripe.connector.ts';
import { startStripeSandbox, type StripeSandbox } from './stripe.sandbox.ts';
import { sandboxClient } from './stripe.test-client.ts';
import { seedState } from './sandbox-state.ts';

const SEEDED_REFUNDABLE_INTENT = SEED_PAYMENT_INTENTS[0].id;
const [SEEDED_SUCCEEDED, , , SEEDED_AWAITING_PAYMENT_METHOD, SEEDED_AUTHORIZED, SEEDED_AWAITING_CONFIRMATION] = SEED_PAYMENT_INTENTS;
const [SEEDED_DRAFT_INVOICE, SEEDED_OPEN_INVOICE, SEEDED_PAID_INVOICE] = SEED_INVOICES;
// The seeded customers' ids, read from the seed itself rather than written out again.
const seeded = seedState();
const seededCustomers = seeded.customers.all();
const customerAt = (index: number): string => seededCustomers[index]!.id;
const SEEDED_CHARGE_COUNT = seeded.charges.size;
const SEEDED_INTENT_COUNT = seeded.paymentIntents.size;
type Fields = Record<string, unknown>;

connectorContract({
  connector: stripe,
  startSandbox: () => startStripeSandbox(),
  connection: (sandbox) => ({ config: { baseUrl: sandbox.url }, credentials: { token: (sandbox as StripeSandbox).secretKey } }),
  probeAction: 'retrieve-payment-intent',
  samples: {
    'create-customer': {
      input: { email: 'jane@example.com', name: 'Jane Doe', metadata: { crm_id: '42' }, idempotencyKey: 'order-1001' },
      expect: (output) => assert.equal((output as { email: string }).email, 'jane@example.com'),
    },
    'list-customers': {
      input: { limit: 10 },
      requests: 3,
      expect: (output) => {
        const ids = (output as { customers: { id: string }[] }).customers.map((customer) => customer.id);
        assert.equal(ids.length, SEED_CUSTOMER_COUNT);
        assert.equal(new Set(ids).size, SEED_CUSTOMER_COUNT);
      },
    },
    'retrieve-customer': { input: { id: customerAt(0) }, expect: (output) => assert.equal((output as Fields).id, customerAt(0)) },
    'update-customer': {
      input: { id: customerAt(1), phone: '+14155550100', metadata: { tier: 'gold' }, invoice_settings: { default_payment_method: 'pm_card_visa' } },
      expect: (output) => {
        const updated = output as { phone: string; metadata: Fields; invoice_settings: Fields };
        assert.equal(updated.phone, '+14155550100');
        assert.deepEqual(updated.metadata, { seed: '2', tier: 'gold' }, 'metadata merges');
        assert.equal(updated.invoice_settings.default_payment_method, 'pm_card_visa');
      },
    },
    'create-payment-intent': {
      input: { amount: 1999, currency: 'usd', customer: customerAt(0), payment_method: 'pm_card_visa', confirm: true, metadata: { order_id: '1001' }, idempotencyKey: 'pay-1001' },
      expect: (output) => {
        const intent = output as Fields;
        assert.equal(intent.status, 'succeeded');
        assert.equal(intent.amount_received, 1999);
        assert.match(String(intent.latest_charge), /^ch_/);
      },
    },
    'retrieve-payment-intent': { input: { id: SEEDED_REFUNDABLE_INTENT } },
    'confirm-payment-intent': { input: { id: SEEDED_AWAITING_CONFIRMATION.id }, expect: (output) => assert.equal((output as Fields).status, 'succeeded') },
    'capture-payment-intent': {
      input: { id: SEEDED_AUTHORIZED.id, amount_to_capture: 4000 },
      expect: (output) => assert.deepEqual({ status: (output as Fields).status, received: (output as Fields).amount_received }, { status: 'succeeded', received: 4000 }),
    },
    'cancel-payment-intent': {
      input: { id: SEEDED_AWAITING_PAYMENT_METHOD.id, cancellation_reason: 'abandoned' },
      expect: (output) => assert.deepEqual({ status: (output as Fields).status, reason: (output as Fields).cancellation_reason }, { status: 'canceled', reason: 'abandoned' }),
    },
    'list-payment-intents': {
      input: { limit: 2 },
      requests: Math.ceil(SEEDED_INTENT_COUNT / 2),
      expect: (output) => assert.equal(new Set((output as { paymentIntents: Fields[] }).paymentIntents.map((intent) => intent.id)).size, SEEDED_INTENT_COUNT),
    },
    'retrieve-charge': {
      input: { id: SEEDED_SUCCEEDED.id.replace(/^pi_/, 'ch_') },
      expect: (output) => assert.equal((output as Fields).payment_intent, SEEDED_SUCCEEDED.id),
    },
    'list-charges': {
      input: { limit: 2 },
      requests: Math.ceil(SEEDED_CHARGE_COUNT / 2),
      expect: (output) => assert.equal((output as { charges: unknown[] }).charges.length, SEEDED_CHARGE_COUNT),
    },
    'create-refund': { input: { payment_intent: SEEDED_REFUNDABLE_INTENT, amount: 500, reason: 'requested_by_customer' } },
    'create-invoice': {
      input: { customer: customerAt(9), collection_method: 'send_invoice', days_until_due: 30, auto_advance: false, idempotencyKey: 'invoice-9' },
      expect: (output) => {
        const invoice = output as Fields;
        assert.equal(invoice.status, 'draft');
        assert.equal(invoice.due_date, (invoice.created as number) + 30 * 86_400);
      },
    },
    'create-invoice-item': {
      input: { customer: customerAt(SEEDED_DRAFT_INVOICE.customerIndex), invoice: SEEDED_DRAFT_INVOICE.id, amount: 1500, currency: 'usd', description: 'Travel' },
      expect: (output) => assert.equal((output as Fields).invoice, SEEDED_DRAFT_INVOICE.id),
    },
    'finalize-invoice': {
      input: { id: SEEDED_DRAFT_INVOICE.id },
      expect: (output) => {
        const invoice = output as Fields;
        assert.equal(invoice.status, 'open');
        assert.match(String(invoice.number), /^[A-Z0-9]{8}-0001$/);
      },
    },
    'pay-invoice': {
      input: { id: SEEDED_OPEN_INVOICE.id, payment_method: 'pm_card_visa' },
      expect: (output) => assert.deepEqual({ status: (output as Fields).status, paid: (output as Fields).amount_paid }, { status: 'paid', paid: SEEDED_OPEN_INVOICE.amount }),
    },
    'retrieve-invoice': { input: { id: SEEDED_PAID_INVOICE.id }, expect: (output) => assert.equal((output as Fields).status, 'paid') },
    'list-invoices': {
      input: { limit: 2 },
      requests: 2,
      expect: (output) => assert.equal((output as { invoices: unknown[] }).invoices.length, SEED_INVOICES.length),
    },
  },
  triggers: {
    'payment-intent-succeeded': { type: 'payment_intent.succeeded' },
    'charge-succeeded': { type: 'charge.succeeded' },
    'charge-refunded': { type: 'charge.refunded' },
    'invoice-paid': { type: 'invoice.paid' },
  },
});

describe('stripe actions against the Stripe sandbox', () => {
  let sandbox: StripeSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startStripeSandbox();
    http = sandboxClient(sandbox);
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('sends create-customer form-encoded, metadata as bracketed keys', async () => {
    await runAction(createCustomer, { name: 'Jane Doe', metadata: { crm_id: '42' } }, { http });
    const [request] = sandbox.requests();
    assert.equal(request?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(request?.body, { name: 'Jane Doe', metadata: { crm_id: '42' } });
  });

  it('replays a create with the same Idempotency-Key instead of creating twice', async () => {
    const input = { email: 'jane@example.com', idempotencyKey: 'order-1001' };
    const first = await runAction(createCustomer, input, { http });
    const second = await http.request(declared(createCustomer).request(input));
    assert.equal((second.body as { id: string }).id, first.id);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(sandbox.state().customers.size, SEED_CUSTOMER_COUNT + 1);
  });

  it('refuses the same Idempotency-Key with other parameters, as Stripe does (400 idempotency_error)', async () => {
    await runAction(createCustomer, { email: 'jane@example.com', idempotencyKey: 'order-1001' }, { http });
    const error = await runAction(createCustomer, { email: 'john@example.com', idempotencyKey: 'order-1001' }, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.match(error.message, /same parameters/);
  });

  it('lists newest first and filters by email', async () => {
    const all = await runAction(listCustomers, { limit: 100 }, { http });
    const created = all.customers.map((customer) => customer.created);
    assert.deepEqual(created, [...created].sort((a, b) => b - a));
    const [oldest] = all.customers.slice(-1);
    const found = await runAction(listCustomers, { email: oldest!.email! }, { http });
    assert.deepEqual(found.customers.map((customer) => customer.id), [oldest!.id]);
  });

  it('maps an unknown payment intent to NotFoundError with Stripe\'s message', async () => {
    const error = await runAction(retrievePaymentIntent, { id: 'pi_missing' }, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError);
    assert.match(error.message, /No such payment_intent: 'pi_missing'/);
  });

  it('refunds what is left of a payment, then refuses to refund more', async () => {
    const partial = await runAction(createRefund, { payment_intent: SEEDED_REFUNDABLE_INTENT, amount: 500 }, { http });
    const rest = await runAction(createRefund, { payment_intent: SEEDED_REFUNDABLE_INTENT }, { http });
    assert.equal(partial.amount + rest.amount, sandbox.state().paymentIntents.get(SEEDED_REFUNDABLE_INTENT)?.amount_received);
    const error = await runAction(createRefund, { payment_intent: SEEDED_REFUNDABLE_INTENT, amount: 1 }, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError && !(error instanceof ConflictError));
    assert.match(error.message, /greater than unrefunded amount/);
  });

  it('answers with a Request-Id and Stripe\'s error shape for a rate limit', async () => {
    sandbox.faults.set({ rateLimit: { count: 1, retryAfterSeconds: 2 } });
    const error = await http.request(declared(retrievePaymentIntent).request({ id: SEEDED_REFUNDABLE_INTENT })).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 2000);
    const response = await fetch(`${sandbox.url}/v1/payment_intents/${SEEDED_REFUNDABLE_INTENT}`, { headers: { authorization: `Bearer ${sandbox.secretKey}` } });
    assert.match(response.headers.get('request-id') ?? '', /^req_/);
  });

  it('refuses a key it does not know, and takes the key as a Basic user name', async () => {
    const wrong = await fetch(`${sandbox.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_nope' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(Object.keys(((await wrong.json()) as { error: object }).error).sort(), ['message', 'type']);
    const basic = Buffer.from(`${sandbox.secretKey}:`).toString('base64');
    const right = await fetch(`${sandbox.url}/v1/customers`, { headers: { authorization: `Basic ${basic}` } });
    assert.equal(right.status, 200);
  });

  it('enforces a per-second limit when asked to, like Stripe test mode', async () => {
    const limited = await startStripeSandbox({ requestsPerSecond: 3 });
    try {
      const client = createTestHttpClient({ baseUrl: limited.url, headers: { authorization: `Bearer ${limited.secretKey}` } });
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.request({ method: 'GET', path: '/v1/customers' })));
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 3);
      const refused = results.find((result) => result.status === 'rejected');
      assert.ok(refused?.status === 'rejected' && refused.reason instanceof RateLimitedError);
    } finally {
      await limited.close();
    }
  });
});

function declared<A extends Action>(action: A): Extract<A, DeclarativeAction> {
  assert.equal(action.kind, 'declarative');
  return action as Extract<A, DeclarativeAction>;
}
