/**
 * Shopify end to end: the sandbox signs an orders/create webhook the Shopify way (base64
 * HMAC-SHA256 of the raw body) and delivers it twice with the same X-Shopify-Webhook-Id; the
 * flow's webhook names the connection and trigger, so the connector decides verification and
 * dedupe; the flow reads the order's fulfillment orders and ships them with tracking through the
 * same connection, its access token from the vault. The sandbox sees one fulfillment. A refund
 * or an orders/updated delivery sent to the same path is acknowledged and not run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { Value } from '@sinclair/typebox/value';
import { builtInSandboxes, shopify, type BuiltInSandbox } from '@weft/connectors';
import { generateMasterKey } from '../src/connectors/vault/master-key.ts';
import { openVault } from '../src/connectors/vault/open-vault.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';

const FLOW = `id: ship-orders
trigger:
  webhook: { path: shopify/orders, connection: shop, trigger: orders-create }
steps:
  - id: fulfillmentOrders
    call:
      connection: shop
      action: get-fulfillment-orders
      input: '{ "orderId": trigger.body.admin_graphql_api_id }'
  - id: ship
    call:
      connection: shop
      action: create-fulfillment
      input: |
        {
          "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": steps.fulfillmentOrders.fulfillmentOrders[0].id }],
          "trackingInfo": { "company": "FedEx", "number": "794644790132" }
        }
`;

const ordersCreate = shopify.triggers.find((trigger) => trigger.id === 'orders-create')!;

interface ShopState {
  throttle: { available: number; atMs: number };
  fulfillments: { size: number; all(): { orderId: string; tracking: { number: string | null }[] }[] };
}

describe('Shopify end to end', () => {
  let sandbox: BuiltInSandbox;
  before(async () => {
    sandbox = await builtInSandboxes.shopify!();
    process.env.WEFT_MASTER_KEY = generateMasterKey();
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await sandbox.close();
  });

  it('verifies and deduplicates orders/create by the connector trigger, and fulfills the order once', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft(
      { 'f.yaml': FLOW },
      {
        prepare: async (store) => {
          await store.connections.put({ id: 'shop', connectorId: 'shopify', config: { shop: 'weft-sandbox', baseUrl: sandbox.url }, now: Date.now() });
          const { vault } = openVault(store.secrets, process.env);
          await vault.put('shop', 'apiKey', sandbox.credentials.apiKey!);
          await vault.put('shop', 'webhookSecret', sandbox.webhookSecret!);
        },
      },
    );
    try {
      const hook = `${weft.url}/hooks/shopify/orders`;
      const deliveries = await sandbox.webhooks.emit({ url: hook, type: 'orders/create', duplicate: true });
      assert.equal(deliveries[0]?.headers['x-shopify-webhook-id'], deliveries[1]?.headers['x-shopify-webhook-id']);
      assert.deepEqual(deliveries.map((d) => d.status).sort(), [200, 202], 'the repeat is acknowledged as a duplicate');
      const refund = await sandbox.webhooks.emit({ url: hook, type: 'refunds/create' });
      assert.equal(refund[0]?.status, 200, 'a refund sent to the orders endpoint is acknowledged, not run');
      // An update of an order that is not cancelled has the body of a new order: only its topic tells them apart.
      const updated = await sandbox.webhooks.emit({ url: hook, type: 'orders/updated' });
      assert.equal(updated[0]?.headers['x-shopify-topic'], 'orders/updated');
      assert.ok(Value.Check(ordersCreate.output, JSON.parse(updated[0]!.body)), 'the orders/updated body alone fits orders-create');
      assert.equal(updated[0]?.status, 200, 'an orders/updated delivery on the orders-create path is acknowledged, not run');

      assert.equal((await settledRuns(weft, 'ship-orders', 1)).succeeded, 1);
      const counts = await weft.store.countRuns('ship-orders');
      assert.equal(counts.succeeded + counts.exception + counts.queued + counts.running + counts.waiting, 1, 'one run for one order');

      const order = JSON.parse(deliveries[0]!.body) as { admin_graphql_api_id: string };
      const mutations = sandbox.requests().filter((r) => String((r.body as { query?: string }).query).includes('fulfillmentCreate'));
      assert.equal(mutations.length, 1, 'fulfillmentCreate was sent once');
      assert.equal(mutations[0]?.headers['x-shopify-access-token'], sandbox.credentials.apiKey, 'the token from the vault, in Shopify\'s header');
      const state = sandbox.state() as ShopState;
      assert.deepEqual(
        state.fulfillments.all().map((f) => [f.orderId, f.tracking[0]?.number]),
        [[order.admin_graphql_api_id, '794644790132']],
      );

      const body = JSON.stringify({ id: 1, admin_graphql_api_id: 'gid://shopify/Order/1' });
      const forged = await request(hook, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/create',
          'x-shopify-webhook-id': 'forged-1',
          'x-shopify-hmac-sha256': createHmac('sha256', 'not-the-secret').update(body).digest('base64'),
        },
      });
      assert.equal(forged.statusCode, 401);
      await forged.body.text();
    } finally {
      await weft.close();
    }
  });

  it('waits out a THROTTLED answer as long as the cost bucket needs, then fulfills once', { timeout: 30_000 }, async () => {
    sandbox.reset();
    const weft = await startTestWeft(
      { 'f.yaml': FLOW },
      {
        prepare: async (store) => {
          await store.connections.put({ id: 'shop', connectorId: 'shopify', config: { shop: 'weft-sandbox', baseUrl: sandbox.url }, now: Date.now() });
          const { vault } = openVault(store.secrets, process.env);
          await vault.put('shop', 'apiKey', sandbox.credentials.apiKey!);
          await vault.put('shop', 'webhookSecret', sandbox.webhookSecret!);
        },
      },
    );
    try {
      // Another app of the shop has just spent the bucket down to 250 points; reading the
      // fulfillment orders asks for 303, so Shopify throttles it for (303 - 250) / 50 s.
      const spentAt = Date.now();
      Object.assign((sandbox.state() as ShopState).throttle, { available: 250, atMs: spentAt });
      await sandbox.webhooks.emit({ url: `${weft.url}/hooks/shopify/orders`, type: 'orders/create' });
      assert.equal((await settledRuns(weft, 'ship-orders', 1)).succeeded, 1);
      // THROTTLED is a 200 with errors, so the requests tell it by their count and spacing:
      // the refused read, its retry no sooner than the bucket allows, and the fulfillment.
      const [refused, retried, fulfilled, ...more] = sandbox.requests();
      assert.equal(more.length, 0, 'no retry before the bucket had room');
      // The bucket refills 50 points a second from spentAt, so at the refusal it lacked
      // 303 - (250 + refill) points: 1060 ms of refill, less the time the refused read took to
      // arrive (long on a busy machine). The two clocks read the refusal a few ms apart.
      const neededMs = 1060 - (refused!.at - spentAt);
      assert.ok(retried!.at - refused!.at >= neededMs - 20, `retried after ${retried!.at - refused!.at} ms, the bucket needed ${neededMs} ms`);
      assert.match(String((retried!.body as { query: string }).query), /GetFulfillmentOrders/);
      assert.match(String((fulfilled!.body as { query: string }).query), /fulfillmentCreate/);
      assert.equal((sandbox.state() as ShopState).fulfillments.size, 1);
    } finally {
      await weft.close();
    }
  });
});
