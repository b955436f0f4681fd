import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { defineConnector, defineTrigger, schema } from '@weft/sdk';
import { ConnectionError, type ConnectionRuntime } from '../../connectors/connection-runtime.ts';
import { VaultError } from '../../connectors/vault/master-key.ts';
import { createConnectorWebhooks, WEBHOOK_SECRET } from '../../connectors/connector-webhooks.ts';
import type { Vault } from '../../connectors/vault/vault.ts';
import type { Engine } from '../../engine/engine.ts';
import { loadFlows } from '../../flows/load-flow.ts';
import { StoreUnavailableError } from '../../store/store.ts';
import { createExpressionEngine } from '../../transforms/expression.ts';
import { signWebhook } from './signatures.ts';
import { webhookIngress } from './webhook-ingress.ts';

const ORDERS_FLOW = 'id: orders\ntrigger:\n  webhook: { path: orders }\nsteps:\n  - id: copy\n    map: trigger.body\n';

/** A flow on /hooks/orders, an engine that records what it is given, and the app around them. */
async function startIngress(options: Partial<Pick<Parameters<typeof webhookIngress>[1], 'connectorWebhook' | 'disabledFlowAt'>> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-ingress-'));
  const expressions = createExpressionEngine();
  await writeFile(join(dir, 'orders.flow.yaml'), ORDERS_FLOW);
  const { flows } = await loadFlows([dir], { engine: expressions, env: {} });
  const accepted: unknown[] = [];
  const engine = {
    flows: () => new Map(flows.map((flow) => [flow.flow.id, flow])),
    accept: async (_flow: unknown, incoming: unknown) => {
      accepted.push(incoming);
      return { status: 'accepted', eventId: 'evt_1', runId: 'run_1' };
    },
  } as unknown as Engine;
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const app = Fastify();
  await app.register(webhookIngress, {
    engine,
    clock: { now: () => Date.now() },
    maxBodyBytes: 1024,
    connectorWebhook: options.connectorWebhook ?? (async () => undefined),
    ...(options.disabledFlowAt ? { disabledFlowAt: options.disabledFlowAt } : {}),
    log: { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) } as never,
  });
  return {
    app,
    accepted,
    warnings,
    async close() {
      await app.close();
      await expressions.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// A Shopify-like connector: the topic is a header, the event an order with an integer id.
const shop = defineConnector({
  id: 'shop',
  name: 'Shop',
  baseUrl: 'https://shop.example',
  auth: [],
  actions: [],
  triggers: [
    defineTrigger({
      id: 'orders-create',
      name: 'orders/create',
      strategy: 'webhook',
      webhook: { signature: { scheme: 'shopify' }, dedupeId: (headers) => headers['x-shopify-webhook-id'], topic: { header: 'X-Shopify-Topic', values: ['orders/create'] } },
      output: schema.Object({ id: schema.Integer(), email: schema.String() }),
    }),
  ],
});
const shopWebhook = createConnectorWebhooks(
  { resolve: async (id: string) => ({ connection: { id }, connector: shop }) } as unknown as ConnectionRuntime,
  { get: async (_id: string, name: string) => (name === WEBHOOK_SECRET ? 'whsec_shop' : undefined) } as unknown as Vault,
);

describe('webhook ingress', () => {
  it('answers 503 while the store cannot commit, and says so in the log once per interval with the count', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-ingress-'));
    const expressions = createExpressionEngine();
    try {
      await writeFile(join(dir, 'orders.flow.yaml'), 'id: orders\ntrigger:\n  webhook: { path: orders }\nsteps:\n  - id: copy\n    map: trigger.body\n');
      const { flows } = await loadFlows([dir], { engine: expressions, env: {} });
      const engine = {
        flows: () => new Map(flows.map((flow) => [flow.flow.id, flow])),
        accept: async () => {
          throw new StoreUnavailableError('the store could not commit: SQLITE_FULL: database or disk is full');
        },
      } as unknown as Engine;
      let now = Date.UTC(2026, 0, 1);
      const warnings: Array<{ refused: number }> = [];
      const app = Fastify();
      await app.register(webhookIngress, {
        engine,
        clock: { now: () => now },
        maxBodyBytes: 1024,
        connectorWebhook: async () => undefined,
        log: { warn: (fields: object) => warnings.push(fields as { refused: number }) } as never,
      });
      const deliver = () => app.inject({ method: 'POST', url: '/hooks/orders', headers: { 'content-type': 'application/json' }, payload: '{}' });
      for (let i = 0; i < 3; i++) {
        const answer = await deliver();
        assert.equal(answer.statusCode, 503);
        assert.equal(answer.headers['retry-after'], '1');
      }
      assert.deepEqual(warnings.map((w) => w.refused), [1], 'one line for the first refusal, not one per delivery');
      now += 10_000;
      await deliver();
      assert.deepEqual(warnings.map((w) => w.refused), [1, 3], 'the next line counts the refusals since the last');
      await app.close();
    } finally {
      await expressions.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("applies the called flow's body limit as the flows are now: a limit raised by a reload holds at once", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-ingress-'));
    const expressions = createExpressionEngine();
    try {
      const flowWithLimit = (limit: string) => `id: orders\ntrigger:\n  webhook: { path: orders${limit} }\nsteps:\n  - id: copy\n    map: trigger.body\n`;
      const load = async (text: string) => {
        await writeFile(join(dir, 'orders.flow.yaml'), text);
        return (await loadFlows([dir], { engine: expressions, env: {} })).flows;
      };
      let flows = await load(flowWithLimit(''));
      const accepted: unknown[] = [];
      const engine = {
        flows: () => new Map(flows.map((flow) => [flow.flow.id, flow])),
        accept: async (_flow: unknown, incoming: { body: unknown }) => {
          accepted.push(incoming.body);
          return { status: 'accepted', eventId: 'evt_1', runId: 'run_1' };
        },
      } as unknown as Engine;
      const app = Fastify();
      await app.register(webhookIngress, { engine, clock: { now: () => 0 }, maxBodyBytes: 1024, connectorWebhook: async () => undefined });
      const deliver = (bytes: number, chunked = false) => {
        const body = JSON.stringify({ filler: 'x'.repeat(bytes - 13) });
        return app.inject({
          method: 'POST',
          url: '/hooks/orders',
          headers: { 'content-type': 'application/json' },
          // Without Content-Length the limit can only be found while reading.
          payload: chunked ? Readable.from([body.slice(0, 1000), body.slice(1000)]) : body,
        });
      };
      const limitOf = (answer: { statusCode: number; body: string }) => (answer.statusCode === 413 ? (JSON.parse(answer.body) as { detail: string }).detail : answer.statusCode);

      assert.equal(limitOf(await deliver(2000)), 'the limit is 1024 bytes', 'the default limit, before the reload');
      assert.equal(limitOf(await deliver(2000, true)), 'the limit is 1024 bytes', 'a chunked body is cut off while reading');
      flows = await load(flowWithLimit(', maxBodyBytes: 4096'));
      assert.equal(limitOf(await deliver(2000)), 202);
      assert.equal(limitOf(await deliver(2000, true)), 202);
      assert.equal(limitOf(await deliver(5000)), 'the limit is 4096 bytes');
      assert.equal(limitOf(await deliver(5000, true)), 'the limit is 4096 bytes');
      assert.equal(accepted.length, 2);
      await app.close();
    } finally {
      await expressions.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("commits a signed delivery of the trigger's topic whose body does not fit the event to be parked, and logs its first schema error, never the body", async () => {
    const ingress = await startIngress({ connectorWebhook: (flow) => shopWebhook({ ...flow, flow: { ...flow.flow, trigger: { webhook: { path: 'orders', connection: 'shop', trigger: 'orders-create' } } } }) });
    try {
      const deliver = (topic: string, body: unknown) => {
        const raw = Buffer.from(JSON.stringify(body));
        const signed = signWebhook({ scheme: 'shopify', secret: 'whsec_shop' }, raw, Date.now());
        return ingress.app.inject({ method: 'POST', url: '/hooks/orders', headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-webhook-id': 'wh_1', ...signed }, payload: raw });
      };
      const misfit = await deliver('orders/create', { id: 'A-1001', email: 'jane@example.com' });
      assert.equal(misfit.statusCode, 202, 'committed: the vendor must not drop it, nor deliver it again and again');
      assert.equal(
        (ingress.accepted[0] as { refused?: string }).refused,
        "The orders/create event does not match the shape the flow's trigger orders-create declares (/id: Expected integer), so it was not run: the vendor's API version may have changed. Fix the connector or the flow, then replay it (with an edited input if the data itself is wrong).",
      );
      assert.deepEqual(ingress.warnings, [
        { fields: { flowId: 'orders', trigger: 'orders-create', topic: 'orders/create', schemaError: '/id: Expected integer' }, message: 'webhook.event_shape_mismatch' },
      ]);
      assert.doesNotMatch(JSON.stringify(ingress.warnings), /A-1001|jane@example\.com/, 'no value of the body is logged');

      const otherTopic = await deliver('orders/updated', { id: 'A-1001', email: 'jane@example.com' });
      assert.equal(otherTopic.statusCode, 200, 'another topic is acknowledged');
      assert.equal(ingress.warnings.length, 1, 'and not logged: vendors send every subscribed topic to one endpoint');
      assert.equal(ingress.accepted.length, 1, 'nor committed');

      assert.equal((await deliver('orders/create', { id: 1001, email: 'jane@example.com' })).statusCode, 202, 'a body that fits runs');
      assert.equal((ingress.accepted[1] as { refused?: string }).refused, undefined);
    } finally {
      await ingress.close();
    }
  });

  it("answers 503 with Retry-After when a connector webhook's connection or secret cannot be read, or its flow is disabled", async () => {
    let failure: Error = new StoreUnavailableError('the store is unavailable: ECONNREFUSED');
    const ingress = await startIngress({ connectorWebhook: async () => Promise.reject(failure) });
    const disabled = await startIngress({ disabledFlowAt: (path) => (path === 'paused' ? ({} as never) : undefined) });
    try {
      const deliver = (app = ingress.app, path = 'orders') => app.inject({ method: 'POST', url: `/hooks/${path}`, headers: { 'content-type': 'application/json' }, payload: '{}' });
      const problemOf = (answer: Awaited<ReturnType<typeof deliver>>) => ({
        status: answer.statusCode,
        retryAfter: answer.headers['retry-after'],
        type: (answer.json() as { type: string }).type.replace('https://weft.dev/problems/', ''),
        detail: (answer.json() as { detail: string }).detail,
      });

      assert.deepEqual(problemOf(await deliver()), { status: 503, retryAfter: '1', type: 'store-unavailable', detail: 'retry shortly' }, 'the store is down while the connection is read');

      failure = new VaultError('ERR_VAULT_DECRYPT', 'no master key opens key id k-2024 (set WEFT_MASTER_KEY_PREVIOUS)');
      const unreadable = problemOf(await deliver());
      assert.deepEqual(unreadable, { status: 503, retryAfter: '60', type: 'webhook-not-ready', detail: "the connection's webhook secret cannot be read" });
      assert.deepEqual(
        ingress.warnings.map((w) => w.message),
        ['webhook.refused_store_unavailable', 'webhook.secret_unreadable'],
        'the vault error is logged, not answered: it names key ids',
      );

      failure = new ConnectionError('ERR_CONNECTION_UNKNOWN', "there is no connection 'shop'");
      assert.deepEqual(problemOf(await deliver()), { status: 503, retryAfter: '60', type: 'webhook-not-ready', detail: "there is no connection 'shop'" });

      assert.deepEqual(problemOf(await deliver(disabled.app, 'paused')), {
        status: 503,
        retryAfter: '60',
        type: 'flow-disabled',
        detail: "the flow on 'paused' was disabled by an admin",
      });
      assert.equal(ingress.accepted.length + disabled.accepted.length, 0);
    } finally {
      await ingress.close();
      await disabled.close();
    }
  });
});
