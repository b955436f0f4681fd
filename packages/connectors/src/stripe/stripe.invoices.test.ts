import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NotFoundError, PermanentError, ValidationError } from '@weft/sdk';
import { rejection, runAction, type TestHttpClient } from '@weft/sdk/testing';
import { createCustomer } from './create-customer.action.ts';
import { createInvoiceItem } from './create-invoice-item.action.ts';
import { createInvoice } from './create-invoice.action.ts';
import { finalizeInvoice } from './finalize-invoice.action.ts';
import { listCustomers } from './list-customers.action.ts';
import { listInvoices } from './list-invoices.action.ts';
import { payInvoice } from './pay-invoice.action.ts';
import { retrieveCharge } from './retrieve-charge.action.ts';
import { retrieveCustomer } from './retrieve-customer.action.ts';
import { retrieveInvoice } from './retrieve-invoice.action.ts';
import { updateCustomer } from './update-customer.action.ts';
import { startStripeSandbox, type StripeSandbox } from './stripe.sandbox.ts';
import { sandboxClient } from './stripe.test-client.ts';

/** Order to cash against the sandbox: a customer, an invoice with lines, finalized and paid. */

describe('stripe customers and invoices', () => {
  let sandbox: StripeSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startStripeSandbox();
    http = sandboxClient(sandbox);
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());


  async function draftWithLines(customer: string) {
    const draft = await runAction(createInvoice, { customer, collection_method: 'send_invoice', days_until_due: 14 }, { http });
    await runAction(createInvoiceItem, { customer, invoice: draft.id, amount: 5000, currency: 'usd', description: 'Setup fee' }, { http });
    await runAction(createInvoiceItem, { customer, invoice: draft.id, price_data: { currency: 'usd', product: 'prod_Widget', unit_amount: 1250 }, quantity: 3 }, { http });
    return draft;
  }

  it('creates a customer, invoices it, finalizes and pays the invoice with a card', async () => {
    const customer = await runAction(createCustomer, { email: 'ops@acme.example', name: 'Acme Ops', address: { line1: '1 Main St', city: 'Springfield', country: 'US' } }, { http });
    const found = await runAction(listCustomers, { email: 'ops@acme.example' }, { http });
    assert.deepEqual(found.customers.map((c) => c.id), [customer.id]);

    const draft = await draftWithLines(customer.id);
    const withLines = await runAction(retrieveInvoice, { id: draft.id }, { http });
    assert.deepEqual(
      { status: withLines.status, total: withLines.total, due: withLines.amount_due, lines: withLines.lines.data.map((line) => [line.amount, line.quantity]) },
      { status: 'draft', total: 5000 + 3 * 1250, due: 5000 + 3 * 1250, lines: [[5000, 1], [3750, 3]] },
    );
    assert.equal(withLines.lines.data[1]?.price?.product, 'prod_Widget');

    const open = await runAction(finalizeInvoice, { id: draft.id }, { http });
    assert.equal(open.status, 'open');
    assert.equal(open.number, `${customer.id.slice(-8).toUpperCase()}-0001`);
    assert.match(String(open.payment_intent), /^pi_/);

    const paid = await runAction(payInvoice, { id: draft.id, payment_method: 'pm_card_visa' }, { http });
    assert.deepEqual([paid.status, paid.paid, paid.amount_paid, paid.amount_remaining], ['paid', true, 8750, 0]);
    const charge = await runAction(retrieveCharge, { id: paid.charge! }, { http });
    assert.deepEqual([charge.amount_captured, charge.invoice, charge.customer], [8750, draft.id, customer.id]);
    const events = sandbox.state().events.all().map((event) => event.type);
    for (const type of ['invoice.created', 'invoice.finalized', 'invoice.paid', 'charge.succeeded']) assert.ok(events.includes(type), `${type} in ${events.join(', ')}`);

    const { invoices } = await runAction(listInvoices, { customer: customer.id, status: 'paid' }, { http });
    assert.deepEqual(invoices.map((invoice) => invoice.id), [draft.id]);
  });

  it('keeps an invoice open after a declined card, then pays it with the customer\'s default payment method', async () => {
    const customer = sandbox.state().customers.all()[3]!.id;
    const draft = await draftWithLines(customer);
    await runAction(finalizeInvoice, { id: draft.id }, { http });

    const declined = await rejection(runAction(payInvoice, { id: draft.id, payment_method: 'pm_card_chargeDeclined' }, { http }));
    assert.ok(declined instanceof PermanentError && declined.code === 'ERR_STRIPE_CARD_DECLINED', String(declined));
    const afterDecline = await runAction(retrieveInvoice, { id: draft.id }, { http });
    assert.deepEqual([afterDecline.status, afterDecline.attempt_count, afterDecline.attempted], ['open', 1, true]);

    const noMethod = await rejection(runAction(payInvoice, { id: draft.id }, { http }));
    assert.ok(noMethod instanceof ValidationError);
    assert.match(noMethod.message, /no attached payment source or default payment method/);

    await runAction(updateCustomer, { id: customer, invoice_settings: { default_payment_method: 'pm_card_visa' } }, { http });
    const paid = await runAction(payInvoice, { id: draft.id }, { http });
    assert.equal(paid.status, 'paid');
  });

  it('charges the invoice\'s own default payment method before the customer\'s', async () => {
    const customer = sandbox.state().customers.all()[2]!.id;
    const draft = await runAction(createInvoice, { customer, default_payment_method: 'pm_card_mastercard' }, { http });
    await runAction(createInvoiceItem, { customer, invoice: draft.id, amount: 800, currency: 'usd' }, { http });
    await runAction(finalizeInvoice, { id: draft.id }, { http });
    const paid = await runAction(payInvoice, { id: draft.id }, { http });
    const charge = await runAction(retrieveCharge, { id: paid.charge! }, { http });
    assert.deepEqual([paid.status, charge.payment_method, charge.amount], ['paid', 'pm_card_mastercard', 800]);
  });

  it('records a payment made outside Stripe, and pays a zero-amount invoice at finalization', async () => {
    const customer = sandbox.state().customers.all()[4]!.id;
    const draft = await draftWithLines(customer);
    await runAction(finalizeInvoice, { id: draft.id }, { http });
    const outOfBand = await runAction(payInvoice, { id: draft.id, paid_out_of_band: true }, { http });
    assert.deepEqual([outOfBand.status, outOfBand.paid_out_of_band, outOfBand.charge], ['paid', true, null]);

    const empty = await runAction(createInvoice, { customer }, { http });
    const finalized = await runAction(finalizeInvoice, { id: empty.id }, { http });
    assert.deepEqual([finalized.status, finalized.total], ['paid', 0]);
  });

  it('adds pending items to a new invoice only with pending_invoice_items_behavior=include', async () => {
    const customer = sandbox.state().customers.all()[5]!.id;
    const pending = await runAction(createInvoiceItem, { customer, amount: 700, currency: 'usd' }, { http });
    assert.equal(pending.invoice, null);
    const excluded = await runAction(createInvoice, { customer }, { http });
    assert.equal(excluded.lines.data.length, 0);
    const included = await runAction(createInvoice, { customer, pending_invoice_items_behavior: 'include' }, { http });
    assert.deepEqual(included.lines.data.map((line) => line.invoice_item), [pending.id]);
  });

  it('refuses changes to a finalized invoice, a second finalization and a paid invoice\'s payment', async () => {
    const customer = sandbox.state().customers.all()[6]!.id;
    const draft = await draftWithLines(customer);
    await runAction(finalizeInvoice, { id: draft.id }, { http });
    const late = await rejection(runAction(createInvoiceItem, { customer, invoice: draft.id, amount: 100, currency: 'usd' }, { http }));
    assert.ok(late instanceof ValidationError && /draft invoices/.test(late.message), String(late));
    const twice = await rejection(runAction(finalizeInvoice, { id: draft.id }, { http }));
    assert.ok(twice instanceof ValidationError && /already finalized/.test(twice.message), String(twice));
    await runAction(payInvoice, { id: draft.id, paid_out_of_band: true }, { http });
    const paidAgain = await rejection(runAction(payInvoice, { id: draft.id, payment_method: 'pm_card_visa' }, { http }));
    assert.ok(paidAgain instanceof ValidationError && /already paid/.test(paidAgain.message), String(paidAgain));
    const sendWithoutSend = await rejection(runAction(createInvoice, { customer, days_until_due: 10 }, { http }));
    assert.ok(sendWithoutSend instanceof ValidationError);
  });

  it('updates only the fields given, merges metadata and unsets a key sent empty', async () => {
    const created = await runAction(createCustomer, { email: 'a@example.com', name: 'A', metadata: { crm: '1', tier: 'silver' } }, { http });
    const updated = await runAction(updateCustomer, { id: created.id, name: 'A. Person', metadata: { tier: '', region: 'emea' } }, { http });
    assert.deepEqual({ email: updated.email, name: updated.name, metadata: updated.metadata }, { email: 'a@example.com', name: 'A. Person', metadata: { crm: '1', region: 'emea' } });
    const [request] = sandbox.requests().slice(-1);
    assert.deepEqual(request?.body, { name: 'A. Person', metadata: { tier: '', region: 'emea' } }, 'metadata[tier]= (empty) is how Stripe is told to remove a key');
    assert.deepEqual(await runAction(retrieveCustomer, { id: created.id }, { http }), updated);
    const missing = await rejection(runAction(retrieveCustomer, { id: 'cus_missing' }, { http }));
    assert.ok(missing instanceof NotFoundError);
  });
});
