/**
 * NetSuite end to end: shop orders arrive as webhooks, the flow upserts each as a sales order
 * through a `netsuite` connection whose five token-based-auth secrets live in the vault; the
 * engine signs every SOAP envelope with a fresh tokenPassport, which the sandbox verifies. An
 * order stays one sales order through a NetSuite failure, a redelivery of the same order and a
 * replay that fixes bad input, and twenty orders at once never break the account's concurrency limit.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { builtInSandboxes, type BuiltInSandbox } from '@weft/connectors';
import { generateMasterKey } from '../src/connectors/vault/master-key.ts';
import { openVault } from '../src/connectors/vault/open-vault.ts';
import type { Store } from '../src/store/store.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';

const FLOW = `id: orders-to-erp
trigger:
  webhook: { path: shop/orders }
steps:
  - id: sales_order
    call:
      connection: erp
      action: upsert-sales-order
      input: |
        {
          "externalId": "shop-order-" & $string(trigger.body.id),
          "entity": { "externalId": "shop-customer-7001" },
          "memo": "Shop order " & $string(trigger.body.id),
          "itemList": [{ "item": { "externalId": trigger.body.sku }, "quantity": trigger.body.quantity, "rate": trigger.body.price }]
        }
    retry: { maxAttempts: 5, initialDelay: 20, maxDelay: 200 }
`;

interface SandboxState {
  salesOrders: { all(): { externalId?: string; lines: { itemId: string }[] }[] };
  concurrency: { inFlight: number; maxInFlight: number; refused: number };
  latencyMs: number;
  usedNonces: Set<string>;
}

describe('NetSuite end to end', () => {
  let sandbox: BuiltInSandbox;
  const state = () => sandbox.state() as SandboxState;
  const ordersWith = (externalId: string) => state().salesOrders.all().filter((order) => order.externalId === externalId);
  const upserts = () => sandbox.requests().filter((r) => r.headers.soapaction === '"upsert"');

  before(async () => {
    sandbox = await builtInSandboxes.netsuite!();
    process.env.WEFT_MASTER_KEY = generateMasterKey();
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  const prepare = async (store: Store) => {
    await store.connections.put({ id: 'erp', connectorId: 'netsuite', config: { baseUrl: sandbox.url }, now: Date.now() });
    const { vault } = openVault(store.secrets, process.env);
    for (const [name, value] of Object.entries(sandbox.credentials)) await vault.put('erp', name, value);
  };

  const post = async (url: string, body: unknown) => {
    const response = await request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await response.body.text();
    return response.statusCode;
  };

  it('keeps one sales order per shop order through a NetSuite failure, a redelivery and a replay with fixed input', { timeout: 60_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': FLOW }, { prepare });
    try {
      const hook = `${weft.url}/hooks/shop/orders`;
      // NetSuite fails the first attempt (an UnexpectedErrorFault); the run retries it.
      sandbox.faults.set({ failNext: { count: 1, status: 500 } });
      assert.equal(await post(hook, { id: 7001, sku: 'SKU-1001', quantity: 2, price: '19.99', topic: 'orders/create' }), 202);
      assert.equal((await settledRuns(weft, 'orders-to-erp', 1)).succeeded, 1);
      // The shop sends the same order again as another event (an identical body would be deduplicated): a second run, the same sales order.
      assert.equal(await post(hook, { id: 7001, sku: 'SKU-1001', quantity: 2, price: '19.99', topic: 'orders/updated' }), 202);
      assert.equal((await settledRuns(weft, 'orders-to-erp', 2)).succeeded, 2);
      assert.equal(upserts().length, 3, 'one failed upsert, then one per run');
      assert.equal(ordersWith('shop-order-7001').length, 1);

      // An unknown SKU: NetSuite's INVALID_KEY_OR_REF becomes a validation exception naming the item.
      assert.equal(await post(hook, { id: 7002, sku: 'SKU-NOPE', quantity: 1, price: '5.00' }), 202);
      const settled = await settledRuns(weft, 'orders-to-erp', 3);
      assert.equal(settled.exception, 1);
      const [exception] = await weft.store.listExceptions({});
      assert.equal(exception?.reason, 'validation');
      assert.match(exception!.message, /Invalid item reference key SKU-NOPE/);
      assert.equal(ordersWith('shop-order-7002').length, 0);

      // `weft replay --input` with the SKU fixed: the order is written once.
      await weft.store.replayException(exception!.id, { now: Date.now(), input: { id: 7002, sku: 'SKU-1002', quantity: 1, price: '5.00' } });
      weft.engine.kick();
      await waitUntil(async () => (await weft.store.countRuns('orders-to-erp')).succeeded === 3, 'the replayed run to succeed');
      assert.equal(ordersWith('shop-order-7002').length, 1);
      assert.equal(ordersWith('shop-order-7001').length, 1);

      // Every request carried its own passport: no nonce was ever presented twice.
      assert.equal(state().usedNonces.size, sandbox.requests().filter((r) => r.fault === undefined).length);
    } finally {
      await weft.close();
    }
  });

  it('holds twenty orders at once under the connection\'s concurrency limit of 5: none refused by NetSuite', { timeout: 60_000 }, async (t) => {
    state().latencyMs = 40;
    const weft = await startTestWeft({ 'f.yaml': FLOW }, { prepare });
    try {
      const hook = `${weft.url}/hooks/shop/orders`;
      const statuses = await Promise.all(Array.from({ length: 20 }, (_, index) => post(hook, { id: 8000 + index, sku: 'SKU-1003', quantity: 1, price: '7.50' })));
      assert.deepEqual(new Set(statuses), new Set([202]));
      assert.equal((await settledRuns(weft, 'orders-to-erp', 20, 45_000)).succeeded, 20);
      const { maxInFlight, refused } = state().concurrency;
      t.diagnostic(`NetSuite saw at most ${maxInFlight} requests in flight, refused ${refused}`);
      assert.equal(refused, 0, 'NetSuite never answered ExceededConcurrentRequestLimitFault');
      assert.ok(maxInFlight <= 5, `at most 5 requests in flight, saw ${maxInFlight}`);
      assert.ok(maxInFlight > 1, `the runs overlapped (saw ${maxInFlight} in flight), so the limit was exercised`);
      assert.equal(state().salesOrders.all().filter((order) => order.externalId?.startsWith('shop-order-80')).length, 20);
    } finally {
      await weft.close();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
