import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runAction } from '@weft/sdk/testing';
import { createPaymentIntent } from './create-payment-intent.action.ts';
import { createRefund } from './create-refund.action.ts';
import {
  CUSTOMER_CREATE_PARAMS,
  CUSTOMER_UPDATE_PARAMS,
  INVOICE_CREATE_PARAMS,
  INVOICE_FINALIZE_PARAMS,
  INVOICE_ITEM_CREATE_PARAMS,
  INVOICE_PAY_PARAMS,
  PAYMENT_INTENT_CANCEL_PARAMS,
  PAYMENT_INTENT_CAPTURE_PARAMS,
  PAYMENT_INTENT_CONFIRM_PARAMS,
  PAYMENT_INTENT_CREATE_PARAMS,
  REFUND_CREATE_PARAMS,
  SEED_INVOICES,
} from './stripe.fixtures.ts';
import { startStripeSandbox, type StripeSandbox } from './stripe.sandbox.ts';
import { sandboxClient } from './stripe.test-client.ts';

/**
 * When Stripe's OpenAPI document sits beside the repository (../shared, in the workspace this
 * connector was written in), check the sandbox's facts against it: the parameters each endpoint
 * takes, and that the sandbox's objects carry every field the spec requires. Skipped elsewhere:
 * the facts themselves live in stripe.fixtures.ts.
 */
const SPEC = fileURLToPath(new URL('../../../../../shared/specs/stripe/openapi/spec3.yaml', import.meta.url));
const hasSpec = existsSync(SPEC);

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema?: { properties?: Record<string, unknown> } }> }; parameters?: { in: string; name: string }[] }>>;
  components: { schemas: Record<string, { required?: string[] }> };
}

describe('stripe sandbox against Stripe\'s OpenAPI document', { skip: hasSpec ? false : `no ${SPEC}` }, () => {
  let spec: OpenApi;
  let sandbox: StripeSandbox;
  before(async () => {
    spec = parse(readFileSync(SPEC, 'utf8'), { maxAliasCount: -1 }) as OpenApi;
    sandbox = await startStripeSandbox();
  });
  after(() => sandbox?.close());

  it('accepts exactly the body parameters the spec lists for each endpoint', () => {
    const endpoints: [string, readonly string[]][] = [
      ['/v1/customers', CUSTOMER_CREATE_PARAMS],
      ['/v1/customers/{customer}', CUSTOMER_UPDATE_PARAMS],
      ['/v1/payment_intents', PAYMENT_INTENT_CREATE_PARAMS],
      ['/v1/payment_intents/{intent}/confirm', PAYMENT_INTENT_CONFIRM_PARAMS],
      ['/v1/payment_intents/{intent}/capture', PAYMENT_INTENT_CAPTURE_PARAMS],
      ['/v1/payment_intents/{intent}/cancel', PAYMENT_INTENT_CANCEL_PARAMS],
      ['/v1/refunds', REFUND_CREATE_PARAMS],
      ['/v1/invoices', INVOICE_CREATE_PARAMS],
      ['/v1/invoiceitems', INVOICE_ITEM_CREATE_PARAMS],
      ['/v1/invoices/{invoice}/finalize', INVOICE_FINALIZE_PARAMS],
      ['/v1/invoices/{invoice}/pay', INVOICE_PAY_PARAMS],
    ];
    for (const [path, params] of endpoints) {
      const body = spec.paths[path]?.post?.requestBody?.content['application/x-www-form-urlencoded']?.schema?.properties;
      assert.ok(body !== undefined, `the spec has no POST ${path}`);
      assert.deepEqual([...params].sort(), Object.keys(body).sort(), `POST ${path}`);
    }
  });

  it('filters lists by query parameters the spec defines', () => {
    const filters: [string, string[]][] = [
      ['/v1/customers', ['email', 'limit', 'starting_after']],
      ['/v1/payment_intents', ['customer', 'limit', 'starting_after']],
      ['/v1/charges', ['customer', 'payment_intent', 'limit', 'starting_after']],
      ['/v1/invoices', ['customer', 'status', 'collection_method', 'limit', 'starting_after']],
    ];
    for (const [path, names] of filters) {
      const query = (spec.paths[path]?.get?.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
      for (const name of names) assert.ok(query.includes(name), `GET ${path}?${name}`);
    }
  });

  it('answers with objects that carry every field the spec requires', async () => {
    const http = sandboxClient(sandbox);
    const intent = await runAction(createPaymentIntent, { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { http });
    await runAction(createRefund, { payment_intent: intent.id, amount: 100 }, { http });
    const state = sandbox.state();
    const invoice = state.invoices.get(SEED_INVOICES[1].id)!;
    const samples: [string, object][] = [
      ['customer', state.customers.all()[0]!],
      ['payment_intent', state.paymentIntents.get(intent.id)!],
      ['charge', state.charges.get(intent.latest_charge!)!],
      ['refund', state.refunds.all()[0]!],
      ['invoice', invoice],
      ['line_item', invoice.lines.data[0]!],
      ['invoiceitem', state.invoiceItems.all()[0]!],
      ['event', state.events.all()[0]!],
    ];
    for (const [name, object] of samples) {
      const missing = (spec.components.schemas[name]?.required ?? []).filter((field) => !(field in object));
      assert.deepEqual(missing, [], `the sandbox's ${name} lacks fields the spec requires`);
    }
  });
});
