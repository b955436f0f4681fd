/**
 * A built-in connector end to end: Stripe's sandbox signs a payment_intent.succeeded webhook
 * the Stripe way; the flow's webhook names the connection and trigger, so the connector decides
 * verification and dedupe; the flow refunds the payment through the same connection, its API key
 * from the vault, its request form-encoded.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { freePort, spawnEngine, waitFor } from './support/engine-process.ts';
import { writeFlowProject } from './support/flow-project.ts';
import { runWeft } from '../src/cli/testing.ts';
import { builtInSandboxes, type BuiltInSandbox } from '@weft/connectors';
import { generateMasterKey } from '../src/connectors/vault/master-key.ts';
import { openVault } from '../src/connectors/vault/open-vault.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';

const FLOW = `id: refund-payments
trigger:
  webhook: { path: stripe/events, connection: stripe, trigger: payment-intent-succeeded }
steps:
  - id: refund
    call:
      connection: stripe
      action: create-refund
      input: '{ "payment_intent": trigger.body.data.object.id, "reason": "requested_by_customer" }'
`;

describe('Stripe end to end', () => {
  let sandbox: BuiltInSandbox;
  before(async () => {
    sandbox = await builtInSandboxes.stripe!();
    process.env.WEFT_MASTER_KEY = generateMasterKey();
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await sandbox.close();
  });

  it('verifies, deduplicates and filters vendor webhooks by the connector trigger, and refunds once', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft(
      { 'f.yaml': FLOW },
      {
        prepare: async (store) => {
          await store.connections.put({ id: 'stripe', connectorId: 'stripe', config: { baseUrl: sandbox.url }, now: Date.now() });
          const { vault } = openVault(store.secrets, process.env);
          await vault.put('stripe', 'token', sandbox.credentials.token!);
          await vault.put('stripe', 'webhookSecret', sandbox.webhookSecret!);
        },
      },
    );
    try {
      const hook = `${weft.url}/hooks/stripe/events`;
      const deliveries = await sandbox.webhooks.emit({ url: hook, type: 'payment_intent.succeeded', duplicate: true });
      assert.deepEqual(deliveries.map((d) => d.status).sort(), [200, 202], 'the repeat is acknowledged as a duplicate');
      const other = await sandbox.webhooks.emit({ url: hook, type: 'customer.created' });
      assert.equal(other[0]?.status, 200, 'another event type is acknowledged, not run');

      assert.equal((await settledRuns(weft, 'refund-payments', 1)).succeeded, 1);
      const counts = await weft.store.countRuns('refund-payments');
      assert.equal(counts.succeeded + counts.exception + counts.queued + counts.running + counts.waiting, 1, 'one run for one payment');
      const refunds = sandbox.requests().filter((r) => r.method === 'POST' && r.path === '/v1/refunds');
      assert.equal(refunds.length, 1);
      assert.match(refunds[0]?.headers['content-type'] ?? '', /application\/x-www-form-urlencoded/);
      assert.match(refunds[0]?.headers['idempotency-key'] ?? '', /^weft-/);

      const forged = await request(hook, { method: 'POST', body: '{"id":"evt_x","type":"payment_intent.succeeded"}', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' } });
      assert.equal(forged.statusCode, 401);
      await forged.body.text();
    } finally {
      await weft.close();
    }
  });

  it('keeps a canary key out of the logs and the exception when the vendor refuses it', { timeout: 60_000 }, async () => {
    const canary = 'sk_test_canary_7e3b90c15f';
    const { dir, flows, db } = writeFlowProject('canary', {
      'f.yaml': FLOW.replace('trigger:\n  webhook: { path: stripe/events, connection: stripe, trigger: payment-intent-succeeded }', 'trigger:\n  webhook: { path: stripe/events }'),
    });
    const store = createSqliteStore({ path: db });
    await store.connections.put({ id: 'stripe', connectorId: 'stripe', config: { baseUrl: sandbox.url }, now: Date.now() });
    await openVault(store.secrets, process.env).vault.put('stripe', 'token', canary);
    await store.close();
    const engine = await spawnEngine({ flows, db, port: await freePort(), env: { WEFT_LOG_LEVEL: 'trace', WEFT_EGRESS_ALLOW: '127.0.0.1', WEFT_MASTER_KEY: process.env.WEFT_MASTER_KEY! } });
    try {
      const event = { id: 'evt_canary', type: 'payment_intent.succeeded', data: { object: { id: 'pi_canary' } } };
      const ack = await request(`${engine.url}/hooks/stripe/events`, { method: 'POST', body: JSON.stringify(event), headers: { 'content-type': 'application/json' } });
      assert.equal(ack.statusCode, 202);
      await ack.body.text();
      const reopened = createSqliteStore({ path: db });
      try {
        await waitFor(async () => (await reopened.listExceptions({})).length === 1, 20_000, 'the auth exception');
        const [exception] = await reopened.listExceptions({});
        assert.equal(exception?.reason, 'auth');
        assert.match(exception!.message, /^Stripe refused the credentials of connection 'stripe'/);
        assert.equal(JSON.stringify(exception).includes(canary), false, 'the exception holds the key');
      } finally {
        await reopened.close();
      }
    } finally {
      engine.child.kill('SIGTERM');
      await engine.exited;
    }
    assert.ok(engine.output().length > 0, 'the engine logged at trace level');
    assert.equal(engine.output().includes(canary), false, 'the logs hold the key');
    for (const file of readdirSync(dir).filter((name) => name.startsWith('weft.db'))) {
      assert.equal(readFileSync(join(dir, file)).includes(canary), false, `${file} holds the key in clear`);
    }
  });

  it('backfills Stripe events by polling from the CLI: each event once, the cursor kept', { timeout: 60_000 }, async () => {
    // Events land in the sandbox's log whether or not their delivery succeeds.
    await sandbox.webhooks.emit({ url: 'http://127.0.0.1:9/nowhere', type: 'customer.created', count: 3 }).catch(() => undefined);
    const total = (sandbox.state() as { events: { size: number } }).events.size;
    assert.ok(total >= 3);
    const { dir, flows, db } = writeFlowProject('backfill', {
      'events.yaml': 'id: stripe-events\ntrigger:\n  poll: { connection: stripe, trigger: events, every: 1h }\nsteps:\n  - id: kind\n    map: trigger.body.type\n',
    });
    const store = createSqliteStore({ path: db });
    await store.connections.put({ id: 'stripe', connectorId: 'stripe', config: { baseUrl: sandbox.url }, now: Date.now() });
    await openVault(store.secrets, process.env).vault.put('stripe', 'token', sandbox.credentials.token!);
    await store.close();
    const env = { WEFT_MASTER_KEY: process.env.WEFT_MASTER_KEY!, WEFT_EGRESS_ALLOW: '127.0.0.1' };
    const first = await runWeft(['backfill', 'stripe-events', '--since', '2020-01-01', '--flows', flows, '--db', db], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    // Records sharing the newest second are read again by the overlapping poll that ends the backfill.
    assert.match(first.stdout, new RegExp(`backfill stripe-events: \\d+ records read, ${total} new events committed`));
    const again = await runWeft(['backfill', 'stripe-events', '--flows', flows, '--db', db], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /, 0 new events committed/, 'the stored cursor overlaps its last second; nothing runs twice');
    const reopened = createSqliteStore({ path: db });
    try {
      assert.equal((await reopened.countRuns('stripe-events')).queued, total);
    } finally {
      await reopened.close();
    }
  });
});
