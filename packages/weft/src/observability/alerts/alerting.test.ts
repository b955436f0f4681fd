import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { loadConfig } from '../../config.ts';
import { createManualClock } from '../../core/clock.ts';
import { createEgressGuard } from '../../connectors/egress-guard.ts';
import { createSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { createAlertNotifier, type AlertNotifier } from './alert-notifier.ts';
import { startAlerting, type Alerting } from './alerting.ts';
import type { AlertRule } from './evaluate-alert.ts';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

/** A local HTTP sink standing in for a webhook receiver or Slack: records bodies, can fail on demand. */
async function startSink(): Promise<{ url: string; bodies: unknown[]; failNext(statuses: number[]): void; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  let failures: number[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const status = failures.shift();
      if (status !== undefined) {
        res.writeHead(status).end();
        return;
      }
      bodies.push(JSON.parse(text));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/alerts`,
    bodies,
    failNext: (statuses) => (failures = [...statuses]),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('alerting', () => {
  let sink: Awaited<ReturnType<typeof startSink>>;
  let dispatcher: Dispatcher;
  let dir: string;
  let stores: SqliteStore[];
  let alertings: Alerting[];
  let eventCount = 0;
  const clock = createManualClock(T0);
  const warnings: unknown[] = [];
  const log = { warn: (fields: object) => warnings.push(fields), error: (fields: object) => warnings.push(fields) };

  before(async () => {
    sink = await startSink();
    dispatcher = createEgressGuard({ allow: ['127.0.0.1'] }).dispatcher();
  });
  after(async () => {
    await dispatcher.close();
    await sink.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-alerts-'));
    stores = [];
    alertings = [];
    sink.bodies.length = 0;
    warnings.length = 0;
    clock.set(T0);
  });
  afterEach(async () => {
    alertings.forEach((alerting) => alerting.stop());
    for (const store of stores) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function openStore(): SqliteStore {
    const store = createSqliteStore({ path: join(dir, 'weft.db') });
    stores.push(store);
    return store;
  }

  const notifier = (retryDelaysMs: number[] = []): AlertNotifier => createAlertNotifier({ dispatcher, retryDelaysMs, sleep: async () => {} });

  function alertingOn(store: SqliteStore, rules: AlertRule[], notify = notifier()): Alerting {
    const alerting = startAlerting({
      rules,
      incidents: store.alertIncidents!,
      sources: { store, unrenewableTokens: async () => [] },
      notify,
      clock,
      intervalMs: 3_600_000,
      log,
    });
    alertings.push(alerting);
    return alerting;
  }

  async function raiseExceptions(store: SqliteStore, count: number, flowId = 'orders'): Promise<void> {
    for (let i = 0; i < count; i++) {
      eventCount += 1;
      const now = clock.now();
      await store.ingest({
        id: `evt_a${eventCount}`,
        runId: `run_a${eventCount}`,
        flowId,
        dedupeKey: `d${eventCount}`,
        orderingKey: null,
        receivedAt: now,
        event: { id: `evt_a${eventCount}`, source: 'webhook', receivedAt: new Date(now).toISOString(), headers: {}, query: {}, body: {} },
      });
      const [run] = await store.claimRuns({ workerId: 'w', now, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: [flowId] });
      await store.parkException(run!.id, run!.fence, { reason: 'validation', message: 'no email', stepPath: 'map', input: {}, lastResponse: null, now });
    }
  }

  const burstRule = (notify: AlertRule['notify']): AlertRule => ({ id: 'orders-failing', when: { exceptions: { flow: 'orders', above: 3, withinMinutes: 10 } }, notify });

  it('sends one message for a burst, one when it resolves, and one for the next incident', async () => {
    const store = openStore();
    const alerting = alertingOn(store, [burstRule({ webhook: sink.url })]);
    await raiseExceptions(store, 3);
    await alerting.evaluate();
    assert.equal(sink.bodies.length, 0, 'three is not above three');

    await raiseExceptions(store, 4);
    await raiseExceptions(store, 9, 'invoices');
    for (let i = 0; i < 5; i++) {
      clock.advance(MINUTE);
      await raiseExceptions(store, 1);
      await alerting.evaluate();
    }
    assert.deepEqual(sink.bodies, [
      { alert: 'orders-failing', status: 'firing', summary: 'More than 3 exceptions in flow orders in the last 10 minutes.', at: new Date(T0 + MINUTE).toISOString() },
    ]);

    clock.advance(11 * MINUTE);
    await alerting.evaluate();
    await alerting.evaluate();
    assert.equal(sink.bodies.length, 2);
    assert.deepEqual(sink.bodies[1], { alert: 'orders-failing', status: 'resolved', summary: 'The condition no longer holds.', at: new Date(T0 + 16 * MINUTE).toISOString() });

    await raiseExceptions(store, 4);
    await alerting.evaluate();
    assert.equal(sink.bodies.length, 3);
    assert.equal((sink.bodies[2] as { status: string }).status, 'firing');
    assert.deepEqual(warnings, []);
  });

  it('posts { text } to Slack', async () => {
    const store = openStore();
    const alerting = alertingOn(store, [burstRule({ slack: sink.url })]);
    await raiseExceptions(store, 4);
    await alerting.evaluate();
    assert.deepEqual(sink.bodies, [{ text: ':rotating_light: Weft alert orders-failing: More than 3 exceptions in flow orders in the last 10 minutes.' }]);
  });

  it('sends one message when several processes evaluate the same rule', async () => {
    const first = openStore();
    const processes = [first, openStore(), openStore()].map((store) => alertingOn(store, [burstRule({ webhook: sink.url })]));
    await raiseExceptions(first, 5);
    await Promise.all(processes.map((alerting) => alerting.evaluate()));
    await Promise.all(processes.map((alerting) => alerting.evaluate()));
    assert.equal(sink.bodies.length, 1);
  });

  it('retries a failing receiver, and sends on the next evaluation when every attempt failed', async () => {
    const store = openStore();
    const alerting = alertingOn(store, [burstRule({ webhook: sink.url })], notifier([1, 1]));
    await raiseExceptions(store, 4);
    sink.failNext([503, 429]);
    await alerting.evaluate();
    assert.equal(sink.bodies.length, 1, 'delivered on the third attempt');

    const other = alertingOn(store, [{ id: 'queue-stuck', when: { oldestDueRun: { olderThanMinutes: 5 } }, notify: { webhook: sink.url } }], notifier([1]));
    await store.ingest({
      id: 'evt_stuck',
      runId: 'run_stuck',
      flowId: 'nobody-runs-this',
      dedupeKey: 'stuck',
      orderingKey: null,
      receivedAt: clock.now(),
      event: { id: 'evt_stuck', source: 'webhook', receivedAt: new Date(clock.now()).toISOString(), headers: {}, query: {}, body: {} },
    });
    clock.advance(6 * MINUTE);
    sink.failNext([500, 500]);
    await other.evaluate();
    assert.equal(sink.bodies.length, 1, 'not delivered');
    assert.equal(warnings.length, 1);
    assert.doesNotMatch(JSON.stringify(warnings), /127\.0\.0\.1/, 'the receiver URL is not logged');
    await other.evaluate();
    assert.equal(sink.bodies.length, 2);
    assert.match((sink.bodies[1] as { summary: string }).summary, /^A run has waited 6 minutes to start/);
  });

  it('watches a connection through its latest recorded call', async () => {
    const store = openStore();
    const alerting = alertingOn(store, [{ id: 'erp-down', when: { connectionUnhealthy: { connection: 'erp' } }, notify: { webhook: sink.url } }]);
    const record = (status: number | null) =>
      store.recordCall({
        at: clock.now(),
        flowId: 'orders',
        runId: 'run_x',
        stepPath: 'post',
        attempt: 1,
        method: 'POST',
        url: 'https://erp.example.com/orders',
        status,
        durationMs: 5,
        requestHeaders: {},
        requestBody: null,
        responseHeaders: {},
        responseBody: null,
        error: status === null ? 'ECONNREFUSED' : null,
        connection: 'erp',
      });
    await record(201);
    await alerting.evaluate();
    clock.advance(MINUTE);
    await record(null);
    await alerting.evaluate();
    clock.advance(MINUTE);
    await record(201);
    await alerting.evaluate();
    assert.deepEqual(
      sink.bodies.map((body) => [(body as { status: string }).status, (body as { summary: string }).summary]),
      [
        ['firing', `Connection erp is failing: its latest call, at ${new Date(T0 + MINUTE).toISOString()}, got no answer (ECONNREFUSED).`],
        ['resolved', 'The condition no longer holds.'],
      ],
    );
  });

  it('refuses a receiver the egress guard does not allow', async () => {
    const guarded = createEgressGuard({ allow: [] }).dispatcher();
    try {
      const notify = createAlertNotifier({ dispatcher: guarded, retryDelaysMs: [], sleep: async () => {} });
      await assert.rejects(notify({ webhook: sink.url }, { ruleId: 'r', status: 'firing', summary: 's', at: T0 }), { code: 'ERR_ALERT_DELIVERY' });
      assert.equal(sink.bodies.length, 0);
    } finally {
      await guarded.close();
    }
  });

  it('rejects two rules with the same id when the config loads', () => {
    const rule = burstRule({ webhook: sink.url });
    assert.throws(() => loadConfig({ cwd: dir, env: { WEFT_ALERTS: JSON.stringify([rule, rule]) } }), {
      code: 'ERR_CONFIG_INVALID',
      message: 'alerts: rule ids must be unique; "orders-failing" appears more than once',
    });
  });

  it('reads rules from the environment as JSON and names the first bad field', () => {
    const rule = burstRule({ slack: sink.url });
    assert.deepEqual(loadConfig({ cwd: dir, env: { WEFT_ALERTS: JSON.stringify([rule]) } }).alerts, [rule]);
    const bad = { ...rule, when: { exceptions: { above: -1, withinMinutes: 10 } } };
    assert.throws(() => loadConfig({ cwd: dir, env: { WEFT_ALERTS: JSON.stringify([bad]) } }), /^ConfigError: WEFT_ALERTS: alerts\/0\/when/);
    assert.throws(() => loadConfig({ cwd: dir, env: { WEFT_ALERTS: JSON.stringify([{ ...rule, notify: { webhook: 'ftp://x' } }]) } }), /WEFT_ALERTS: alerts\/0\/notify/);
  });
});
