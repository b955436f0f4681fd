import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineConnector, defineTrigger, schema, type Connector } from '@weft/sdk';
import { stripe } from '@weft/connectors';
import type { LoadedFlow } from '../flows/load-flow.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import { createConnectorWebhooks, WEBHOOK_SECRET } from './connector-webhooks.ts';
import type { Vault } from './vault/vault.ts';

// Only what createConnectorWebhooks reads: the connection's connector and its webhook secret.
function webhooksFor(connector: Connector) {
  const connections = { resolve: async (id: string) => ({ connection: { id }, connector }) } as unknown as ConnectionRuntime;
  const vault = { get: async (_id: string, name: string) => (name === WEBHOOK_SECRET ? 'whsec' : undefined) } as unknown as Vault;
  return createConnectorWebhooks(connections, vault);
}

function flowOn(trigger: string): LoadedFlow {
  return { flow: { trigger: { webhook: { path: 'hooks', connection: 'conn', trigger } } } } as unknown as LoadedFlow;
}

// Shopify's orders/create and orders/updated send the same order, so only the topic tells them apart.
const order = schema.Object({ id: schema.Integer(), admin_graphql_api_id: schema.String() });
const shop = defineConnector({
  id: 'shop',
  name: 'Shop',
  baseUrl: 'https://shop.example',
  auth: [],
  actions: [],
  triggers: ['orders/create', 'orders/updated'].map((topic) =>
    defineTrigger({
      id: topic.replace('/', '-'),
      name: topic,
      strategy: 'webhook',
      webhook: { signature: { scheme: 'shopify' }, dedupeId: (headers) => headers['x-shopify-webhook-id'], topic: { header: 'X-Shopify-Topic', values: [topic] } },
      output: order,
    }),
  ),
});
const sampleOrder = () => ({ id: 820982911946154500, admin_graphql_api_id: 'gid://shopify/Order/820982911946154500' });

async function shopifyWebhookFor(trigger: string) {
  const webhook = await webhooksFor(shop)(flowOn(trigger));
  assert.ok(webhook !== undefined);
  return webhook;
}

describe('connector webhooks: topic filtering', () => {
  it("ignores a Shopify delivery whose X-Shopify-Topic is not the trigger's, even when its body fits", async () => {
    const webhook = await shopifyWebhookFor('orders-create');
    const body = sampleOrder();
    assert.equal(webhook.ignores({ 'x-shopify-topic': 'orders/create' }, body), undefined, 'the body fits orders-create');
    assert.equal(
      webhook.ignores({ 'x-shopify-topic': 'orders/updated' }, body),
      "the flow's trigger orders-create takes X-Shopify-Topic orders/create, not orders/updated",
    );
    assert.match(webhook.ignores({}, body) ?? '', /not a delivery without one/);
  });

  it('takes each Shopify trigger its own topic', async () => {
    const updated = await shopifyWebhookFor('orders-updated');
    assert.equal(updated.ignores({ 'x-shopify-topic': 'orders/updated' }, sampleOrder()), undefined);
    assert.match(updated.ignores({ 'x-shopify-topic': 'orders/create' }, sampleOrder()) ?? '', /takes X-Shopify-Topic orders\/updated, not orders\/create/);
  });

  it('takes a delivery of the right topic whose body does not fit the event as a misfit, naming its first schema error without the value', async () => {
    const webhook = await shopifyWebhookFor('orders-create');
    const headers = { 'x-shopify-topic': 'orders/create' };
    const body = { id: 'not a number', admin_graphql_api_id: 'gid://shopify/Order/1' };
    assert.equal(webhook.ignores(headers, body), undefined, 'not ignored as another topic');
    assert.deepEqual(webhook.misfit(headers, body), { trigger: 'orders-create', topic: 'orders/create', firstError: '/id: Expected integer' });
    assert.deepEqual(webhook.misfit(headers, 'text'), { trigger: 'orders-create', topic: 'orders/create', firstError: 'the event: Expected object' });
    assert.equal(webhook.misfit(headers, sampleOrder()), undefined);
  });

  it("reads Stripe's topic from the body's type", async () => {
    const webhook = await webhooksFor(stripe)(flowOn('payment-intent-succeeded'));
    assert.ok(webhook !== undefined);
    assert.equal(
      webhook.ignores({}, { id: 'evt_1', object: 'event', type: 'charge.refunded', data: { object: {} } }),
      "the flow's trigger payment-intent-succeeded takes type payment_intent.succeeded, not charge.refunded",
    );
    assert.equal(webhook.ignores({ type: 'payment_intent.succeeded' }, { id: 'evt_1' }), "the flow's trigger payment-intent-succeeded takes type payment_intent.succeeded, not a delivery without one");
  });
});
