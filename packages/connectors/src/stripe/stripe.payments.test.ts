import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AuthError, ConflictError, NotFoundError, PermanentError, RateLimitedError, ValidationError, type DeclarativeAction } from '@weft/sdk';
import { rejection, runAction, type TestHttpClient } from '@weft/sdk/testing';
import { cancelPaymentIntent } from './cancel-payment-intent.action.ts';
import { capturePaymentIntent } from './capture-payment-intent.action.ts';
import { confirmPaymentIntent } from './confirm-payment-intent.action.ts';
import { createPaymentIntent } from './create-payment-intent.action.ts';
import { listCharges } from './list-charges.action.ts';
import { listPaymentIntents } from './list-payment-intents.action.ts';
import { retrieveCharge } from './retrieve-charge.action.ts';
import { SEED_PAYMENT_INTENTS } from './stripe.fixtures.ts';
import { startStripeSandbox, type StripeSandbox } from './stripe.sandbox.ts';
import { sandboxClient } from './stripe.test-client.ts';

/** Payment intents through their statuses against the sandbox, with Stripe's test cards. */

const SUCCEEDED = SEED_PAYMENT_INTENTS[0].id;

describe('stripe payment intents and charges', () => {
  let sandbox: StripeSandbox;
  let http: TestHttpClient;
  let customer: string;

  before(async () => {
    sandbox = await startStripeSandbox();
    http = sandboxClient(sandbox);
  });
  after(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
    customer = sandbox.state().customers.all()[0]!.id;
  });


  it('walks requires_payment_method → requires_confirmation → succeeded and creates the charge', async () => {
    const created = await runAction(createPaymentIntent, { amount: 2500, currency: 'eur', customer }, { http });
    assert.equal(created.status, 'requires_payment_method');
    assert.equal(created.latest_charge, null);
    const withMethod = await runAction(createPaymentIntent, { amount: 2500, currency: 'eur', customer, payment_method: 'pm_card_visa' }, { http });
    assert.equal(withMethod.status, 'requires_confirmation');

    const confirmed = await runAction(confirmPaymentIntent, { id: created.id, payment_method: 'pm_card_mastercard' }, { http });
    assert.deepEqual([confirmed.status, confirmed.amount_received, confirmed.payment_method], ['succeeded', 2500, 'pm_card_mastercard']);
    const charge = await runAction(retrieveCharge, { id: confirmed.latest_charge! }, { http });
    assert.deepEqual(
      { status: charge.status, captured: charge.captured, paid: charge.paid, amount: charge.amount_captured, intent: charge.payment_intent, customer: charge.customer },
      { status: 'succeeded', captured: true, paid: true, amount: 2500, intent: created.id, customer },
    );
    const types = sandbox.state().events.all().map((event) => event.type);
    assert.ok(types.includes('charge.succeeded') && types.includes('payment_intent.succeeded'), types.join(', '));
  });

  it('sends nested fields form-encoded with bracket notation', async () => {
    await runAction(createPaymentIntent, { amount: 1000, currency: 'usd', metadata: { order_id: '6735' }, confirm: false }, { http });
    const [request] = sandbox.requests().slice(-1);
    assert.equal(request?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(request?.body, { amount: '1000', currency: 'usd', metadata: { order_id: '6735' }, confirm: 'false' });
  });

  it('authorizes with capture_method=manual, captures part, releases the rest, and refuses a second capture as a conflict', async () => {
    const authorized = await runAction(createPaymentIntent, { amount: 5000, currency: 'usd', customer, payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' }, { http });
    assert.deepEqual([authorized.status, authorized.amount_capturable, authorized.amount_received], ['requires_capture', 5000, 0]);
    const uncaptured = await runAction(retrieveCharge, { id: authorized.latest_charge! }, { http });
    assert.deepEqual([uncaptured.status, uncaptured.captured], ['succeeded', false]);

    const tooMuch = await rejection(runAction(capturePaymentIntent, { id: authorized.id, amount_to_capture: 5001 }, { http }));
    assert.ok(tooMuch instanceof ValidationError);
    const captured = await runAction(capturePaymentIntent, { id: authorized.id, amount_to_capture: 3000 }, { http });
    assert.deepEqual([captured.status, captured.amount_received, captured.amount_capturable], ['succeeded', 3000, 0]);
    const charge = await runAction(retrieveCharge, { id: authorized.latest_charge! }, { http });
    assert.deepEqual([charge.captured, charge.amount_captured, charge.amount_refunded], [true, 3000, 2000]);

    const again = await rejection(runAction(capturePaymentIntent, { id: authorized.id }, { http }));
    assert.ok(again instanceof ConflictError, String(again));
    assert.equal(again.code, 'ERR_STRIPE_UNEXPECTED_STATE');
    assert.match(again.message, /status of succeeded/);
  });

  it('answers pm_card_chargeDeclined with 402 card_error, a permanent readable error, a failed charge and an intent awaiting another card', async () => {
    const raw = await fetch(`${sandbox.url}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `amount=1200&currency=usd&customer=${customer}&payment_method=pm_card_chargeDeclined&confirm=true`,
    });
    assert.equal(raw.status, 402);
    const { error } = (await raw.json()) as { error: Record<string, unknown> };
    assert.deepEqual(
      { type: error.type, code: error.code, decline_code: error.decline_code, message: error.message },
      { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
    );
    const intentId = (error.payment_intent as { id: string }).id;

    const declined = await rejection(runAction(confirmPaymentIntent, { id: intentId, payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }, { http }));
    assert.ok(declined instanceof PermanentError && !declined.retryable, String(declined));
    assert.equal(declined.code, 'ERR_STRIPE_CARD_DECLINED');
    assert.equal(declined.reason, 'validation');
    assert.match(declined.message, /Your card has insufficient funds \(insufficient_funds\)/);

    const intent = sandbox.state().paymentIntents.get(intentId)!;
    assert.deepEqual([intent.status, intent.payment_method, intent.last_payment_error?.decline_code], ['requires_payment_method', null, 'insufficient_funds']);
    const { charges } = await runAction(listCharges, { payment_intent: intentId }, { http });
    assert.deepEqual(charges.map((charge) => [charge.status, charge.failure_code]), [['failed', 'card_declined'], ['failed', 'card_declined']]);

    const retried = await runAction(confirmPaymentIntent, { id: intentId, payment_method: 'pm_card_visa' }, { http });
    assert.equal(retried.status, 'succeeded');
  });

  it('replays a create with the same Idempotency-Key, a decline included, and refuses the key with another body', async () => {
    const input = { amount: 1999, currency: 'usd', customer, payment_method: 'pm_card_visa', confirm: true, idempotencyKey: 'order-1001-payment' };
    const request = (createPaymentIntent as DeclarativeAction).request(input);
    const first = await http.request(request);
    const second = await http.request(request);
    assert.equal((second.body as { id: string }).id, (first.body as { id: string }).id);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(sandbox.state().charges.all().filter((charge) => charge.payment_intent === (first.body as { id: string }).id).length, 1, 'one charge');

    const declinedInput = { ...input, payment_method: 'pm_card_chargeDeclined', idempotencyKey: 'order-1002-payment' };
    const charges = sandbox.state().charges.size;
    const declinedTwice = [await rejection(runAction(createPaymentIntent, declinedInput, { http })), await rejection(runAction(createPaymentIntent, declinedInput, { http }))];
    assert.ok(declinedTwice.every((error) => error instanceof PermanentError && error.code === 'ERR_STRIPE_CARD_DECLINED'));
    assert.equal(sandbox.state().charges.size, charges + 1, 'the replayed decline charged nothing again');

    const mismatch = await rejection(runAction(createPaymentIntent, { ...input, amount: 2000 }, { http }));
    assert.ok(mismatch instanceof ValidationError);
    assert.match(mismatch.message, /same parameters/);
  });

  it('cancels before success, releases an authorization, and refuses to cancel a succeeded payment', async () => {
    const open = await runAction(createPaymentIntent, { amount: 800, currency: 'gbp' }, { http });
    const canceled = await runAction(cancelPaymentIntent, { id: open.id, cancellation_reason: 'requested_by_customer' }, { http });
    assert.deepEqual([canceled.status, canceled.cancellation_reason], ['canceled', 'requested_by_customer']);
    assert.equal(typeof canceled.canceled_at, 'number');

    const authorized = await runAction(createPaymentIntent, { amount: 900, currency: 'gbp', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' }, { http });
    await runAction(cancelPaymentIntent, { id: authorized.id }, { http });
    const released = await runAction(retrieveCharge, { id: authorized.latest_charge! }, { http });
    assert.deepEqual([released.refunded, released.amount_refunded], [true, 900]);

    const error = await rejection(runAction(cancelPaymentIntent, { id: SUCCEEDED }, { http }));
    assert.ok(error instanceof ConflictError);
  });

  it('lists a customer\'s payment intents and charges across pages, newest first', async () => {
    for (const amount of [100, 200, 300]) await runAction(createPaymentIntent, { amount, currency: 'usd', customer, payment_method: 'pm_card_visa', confirm: true }, { http });
    const { paymentIntents } = await runAction(listPaymentIntents, { customer, limit: 2 }, { http });
    const seededForCustomer = SEED_PAYMENT_INTENTS.filter((seed) => seed.customerIndex === 0).length;
    assert.equal(paymentIntents.length, 3 + seededForCustomer);
    assert.deepEqual(paymentIntents.slice(0, 3).map((intent) => intent.amount), [300, 200, 100]);
    const { charges } = await runAction(listCharges, { customer, limit: 2 }, { http });
    assert.ok(charges.every((charge) => charge.customer === customer));
    assert.equal(charges.length, 3 + seededForCustomer);
  });

  it('refuses what Stripe refuses: an unknown customer or payment method, a KWD amount not ending in 0, confirm without a payment method', async () => {
    const intentsBefore = sandbox.state().paymentIntents.size;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ customer: 'cus_missing' }, /No such customer: 'cus_missing'/],
      [{ payment_method: 'pm_nope' }, /No such PaymentMethod: 'pm_nope'/],
      [{ currency: 'kwd', amount: 5124 }, /KWD must end in 0/],
      [{ confirm: true }, /missing a payment method/],
    ];
    for (const [change, message] of cases) {
      const error = await rejection(runAction(createPaymentIntent, { amount: 1000, currency: 'usd', ...change }, { http }));
      assert.ok(error instanceof ValidationError || error instanceof ConflictError, String(error));
      assert.match((error as Error).message, message);
    }
    assert.equal(sandbox.state().paymentIntents.size, intentsBefore, 'a refused request creates nothing');
  });

  it('maps 400/401/404/409/429 answers to the SDK error classes', async () => {
    const expected: [number, new (...args: never[]) => Error][] = [
      [400, ValidationError],
      [401, AuthError],
      [404, NotFoundError],
      [409, ConflictError],
      [429, RateLimitedError],
    ];
    for (const [status, errorClass] of expected) {
      sandbox.faults.set({ failNext: { count: 1, status } });
      const error = await rejection(runAction(createPaymentIntent, { amount: 1000, currency: 'usd' }, { http }));
      assert.ok(error instanceof errorClass, `${status}: ${String(error)}`);
    }
  });
});
