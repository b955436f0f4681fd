/**
 * Scale-out on PostgreSQL, proven with real processes: several `weft start` processes share one
 * database while workers are killed (-9), paused past their lease (SIGSTOP) and the database
 * itself restarts. The sandboxes count what arrives: every acknowledged event exactly once, a
 * stale worker records nothing, an idle worker is woken by NOTIFY, a 10 req/s connection gets
 * at most 10 in any second across all workers, and a cron trigger fires once per tick however
 * many processes run it.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Agent, request } from 'undici';
import { builtInSandboxes, type BuiltInSandbox } from '@weft/connectors';
import { loadConfig } from '../src/config.ts';
import { openStore } from '../src/main.ts';
import { generateMasterKey } from '../src/connectors/vault/master-key.ts';
import { openVault } from '../src/connectors/vault/open-vault.ts';
import { maxInAnyWindow } from '../src/connectors/rate-limit/virtual-time.ts';
import { startErp } from '../src/demo/erp.ts';
import { deliverOrder, makeOrder, orderNumberOf, webhookIdOf } from '../src/demo/shop.ts';
import { startArrivalRecorder } from './support/arrival-recorder.ts';
import { waitFor } from './support/engine-process.ts';
import { writeFlowProject } from './support/flow-project.ts';
import { writeOrderFlow } from './support/order-flow.ts';
import { privatePostgresUnavailable, startPrivatePostgres } from './support/private-postgres.ts';
import { scratchDatabase, skipWithoutPostgres, withDatabase } from './support/postgres.ts';
import { startCluster, type Cluster } from './support/weft-cluster.ts';

const SECRET = 'cluster-test-secret';
/** worker.ts renews a lease every third of its length. */
const heartbeatOf = (leaseMs: number) => Math.floor(leaseMs / 3);

function workerEnv(erpUrl: string, leaseMs: number): Record<string, string> {
  return { SHOP_WEBHOOK_SECRET: SECRET, ERP_URL: erpUrl, WEFT_LEASE_MS: String(leaseMs), WEFT_POLL_INTERVAL_MS: '100', WEFT_EGRESS_ALLOW: '127.0.0.1' };
}

/** Deliver order n to the next worker in turn until one acknowledges it; refused or unreachable workers are tried again, as a vendor would. */
async function deliverUntilAcknowledged(cluster: Cluster, n: number, dispatcher: Agent, statuses?: { at: number; sentAt: number; status: number }[]): Promise<void> {
  for (;;) {
    const sentAt = Date.now();
    try {
      const hookUrl = `${cluster.next().url}/hooks/shop/orders`;
      const response = await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(n), webhookId: webhookIdOf(n), nowMs: Date.now(), dispatcher });
      statuses?.push({ sentAt, at: Date.now(), status: response.status });
      if (response.status === 200 || response.status === 202) return;
      if (response.status !== 503) assert.fail(`unexpected ${response.status}: ${response.body}`);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      // The worker is down or restarting: deliver again, to whichever worker is next.
    }
    await sleep(25);
  }
}

async function openRuns(databaseUrl: string): Promise<number> {
  return withDatabase(databaseUrl, async (client) => Number((await client.query(`SELECT count(*) AS n FROM runs WHERE status IN ('queued', 'running', 'waiting')`)).rows[0].n));
}

const dispatcher = new Agent({ connections: 16, keepAliveTimeout: 1_000 });
after(() => dispatcher.close());

describe('a cluster of weft processes on one PostgreSQL database', { skip: skipWithoutPostgres }, () => {
  it('three workers share 10,000 events under kill -9: every acknowledged event created once, no dead worker holds a claim past lease + heartbeat', { timeout: 280_000 }, async () => {
    const EVENTS = 10_000;
    const LEASE_MS = 2_000;
    const erp = await startErp();
    const database = await scratchDatabase('weft_cluster');
    const { flows } = writeOrderFlow();
    const cluster = await startCluster({ size: 3, flows, databaseUrl: database.url, env: workerEnv(erp.url, LEASE_MS) });
    const leases = new pg.Client({ connectionString: database.url });
    await leases.connect();
    after(async () => {
      await cluster.stop();
      await leases.end().catch(() => undefined);
      await database.drop();
      await erp.close();
    });

    const acknowledged = new Set<number>();
    const killedAt = new Map<string, number>();
    const overdueClaims: string[] = [];
    let longestExpiredWaitMs = 0;
    let sending = true;
    let kills = 0;

    // Watches the database while the chaos runs: a run still `running` in a dead worker's name must
    // have a lease that ends within lease + one heartbeat of the kill (nothing renews it any more).
    let watching = Promise.resolve();
    let watchFailure: unknown;
    const watchLeases = async () => {
      if (killedAt.size === 0) return;
      const { rows } = await leases.query<{ id: string; lease_owner: string; lease_expires_at: string }>(
        `SELECT id, lease_owner, lease_expires_at FROM runs WHERE status = 'running' AND lease_owner = ANY($1)`,
        [[...killedAt.keys()]],
      );
      const now = Date.now();
      for (const row of rows) {
        const deadline = killedAt.get(row.lease_owner)! + LEASE_MS + heartbeatOf(LEASE_MS);
        if (Number(row.lease_expires_at) > deadline) overdueClaims.push(`${row.id} held by ${row.lease_owner} until ${row.lease_expires_at}, past ${deadline}`);
        if (now > Number(row.lease_expires_at)) longestExpiredWaitMs = Math.max(longestExpiredWaitMs, now - Number(row.lease_expires_at));
      }
    };
    const watcher = setInterval(() => {
      watching = watching.then(watchLeases).catch((error: unknown) => {
        watchFailure ??= error;
      });
    }, 100);
    after(() => clearInterval(watcher));

    const chaos = (async () => {
      while (sending || kills < 5) {
        await sleep(1_500 + Math.random() * 1_500);
        const slot = Math.floor(Math.random() * 3);
        const workerId = await cluster.kill(slot);
        killedAt.set(workerId, Date.now());
        kills++;
        await cluster.restart(slot);
      }
    })();

    let next = 1;
    const senders = Array.from({ length: 24 }, async () => {
      while (next <= EVENTS) {
        const n = next++;
        await deliverUntilAcknowledged(cluster, n, dispatcher);
        acknowledged.add(orderNumberOf(n));
        // Every tenth order is delivered again, to another worker, as vendors do after a lost acknowledgement.
        if (n % 10 === 0) await deliverUntilAcknowledged(cluster, n, dispatcher);
      }
    });
    try {
      await Promise.all(senders);
    } finally {
      sending = false;
      await chaos;
    }
    assert.equal(acknowledged.size, EVENTS);

    await waitFor(() => Object.keys(erp.stats().creationsPerOrder).length >= EVENTS, 120_000, `all ${EVENTS} orders in the ERP\n${cluster.output().slice(-3_000)}`);
    await waitFor(async () => (await openRuns(database.url)) === 0, 60_000, 'every run to finish');
    clearInterval(watcher);
    await watching;
    assert.equal(watchFailure, undefined, 'the lease watcher could read the database');

    const stats = erp.stats();
    const lost = [...acknowledged].filter((id) => !stats.creationsPerOrder[String(id)]);
    assert.deepEqual(lost, [], 'acknowledged orders never created');
    assert.equal(stats.duplicateCreations, 0, 'orders created twice');
    assert.equal(Object.keys(stats.creationsPerOrder).length, EVENTS);
    assert.ok(kills >= 5, `killed ${kills} times`);
    assert.deepEqual(overdueClaims, [], 'dead workers held claims past lease + one heartbeat');
    const { takeovers, exceptions, runs } = await withDatabase(database.url, async (client) => {
      const { rows } = await client.query(
        `SELECT count(*) FILTER (WHERE fence > 1) AS takeovers, count(*) FILTER (WHERE status = 'exception') AS exceptions, count(*) AS runs FROM runs`,
      );
      return { takeovers: Number(rows[0].takeovers), exceptions: Number(rows[0].exceptions), runs: Number(rows[0].runs) };
    });
    assert.equal(runs, EVENTS, 'one run per event: repeats were absorbed at the door');
    assert.equal(exceptions, 0);
    assert.ok(takeovers > 0, 'the kills interrupted runs that other workers then finished');
    process.stdout.write(`# ${kills} kills, ${takeovers} runs taken over, longest wait after a dead lease expired ${longestExpiredWaitMs} ms\n`);
  });

  it('a worker paused past its lease (SIGSTOP) cannot record its stale result after SIGCONT', { timeout: 60_000 }, async () => {
    const LEASE_MS = 1_500;
    // Slow answers keep the runs in flight when the worker is paused.
    const erp = await startErp({ latencyMs: 500 });
    const database = await scratchDatabase('weft_cluster');
    const { flows } = writeOrderFlow();
    const cluster = await startCluster({ size: 2, flows, databaseUrl: database.url, env: workerEnv(erp.url, LEASE_MS) });
    after(async () => {
      await cluster.stop();
      await database.drop();
      await erp.close();
    });
    const paused = cluster.workers[0]!;

    const orders = [1, 2, 3, 4, 5];
    for (const n of orders) {
      const response = await deliverOrder({ hookUrl: `${paused.url}/hooks/shop/orders`, secret: SECRET, order: makeOrder(n), webhookId: webhookIdOf(n), nowMs: Date.now(), dispatcher });
      assert.equal(response.status, 202);
    }
    paused.child.kill('SIGSTOP');
    const held = await withDatabase(database.url, async (client) =>
      (await client.query<{ id: string }>(`SELECT id FROM runs WHERE status = 'running' AND lease_owner = $1`, [paused.workerId])).rows.map((row) => row.id),
    );
    assert.ok(held.length > 0, 'the paused worker held runs');

    const snapshot = () =>
      withDatabase(database.url, async (client) =>
        (
          await client.query(
            `SELECT r.id, r.status, r.fence, r.lease_owner, r.updated_at, (SELECT count(*) FROM checkpoints c WHERE c.run_id = r.id) AS checkpoints
               FROM runs r WHERE r.id = ANY($1) ORDER BY r.id`,
            [held],
          )
        ).rows,
      );
    await waitFor(async () => (await snapshot()).every((run) => run.status === 'succeeded'), 30_000, `the other worker to take the held runs over\n${cluster.output()}`);
    const takenOver = await snapshot();
    for (const run of takenOver) assert.ok(Number(run.fence) >= 2, `run ${run.id} was claimed again (fence ${run.fence})`);

    paused.child.kill('SIGCONT');
    const staleLines = (runId: string) => paused.output().split('\n').filter((line) => line.includes(runId) && /lease_lost|claimed by another worker/.test(line));
    await waitFor(() => held.every((runId) => staleLines(runId).length > 0), 15_000, `the resumed worker to find its leases lost\n${paused.output()}`);
    await sleep(1_000);
    assert.deepEqual(await snapshot(), takenOver, 'the stale worker changed nothing');
    const stats = erp.stats();
    for (const n of orders) assert.equal(stats.creationsPerOrder[String(orderNumberOf(n))], 1, `order ${n} created once`);
    assert.equal(stats.duplicateCreations, 0);
  });

  // Judged at the recorder, where a vendor counts: the buckets alone are not enough, each send
  // must also leave on its reserved instant although the takes wait on one another's locks in
  // three busy processes (ADR-0009).
  it('a connection limited to 10 requests a second gets at most 10 in any second across three workers', { timeout: 60_000 }, async (t) => {
    const EVENTS = 40;
    const stripe: BuiltInSandbox = await builtInSandboxes.stripe!();
    const recorder = await startArrivalRecorder(stripe.url);
    const database = await scratchDatabase('weft_cluster');
    const masterKey = generateMasterKey();
    const { dir, flows } = writeFlowProject('cluster-rate', {
      'customers.flow.yaml': `id: customers
trigger:
  webhook: { path: customers }
steps:
  - id: create
    call:
      connection: stripe
      action: create-customer
      input: '{ "email": trigger.body.email }'
`,
    });
    const config = loadConfig({ cwd: dir, env: {}, overrides: { database: database.url } });
    const store = await openStore(config);
    await store.connections.put({ id: 'stripe', connectorId: 'stripe', config: { baseUrl: recorder.url, rateLimit: { requestsPerSecond: 10 } }, now: Date.now() });
    await openVault(store.secrets, { WEFT_MASTER_KEY: masterKey }).vault.put('stripe', 'token', stripe.credentials.token!);
    await store.close();
    const cluster = await startCluster({ size: 3, flows, databaseUrl: database.url, env: { WEFT_MASTER_KEY: masterKey, WEFT_EGRESS_ALLOW: '127.0.0.1', WEFT_POLL_INTERVAL_MS: '100' } });
    after(async () => {
      await cluster.stop();
      await database.drop();
      await recorder.close();
      await stripe.close();
    });

    const statuses = await Promise.all(
      Array.from({ length: EVENTS }, async (_, n) => {
        const response = await request(`${cluster.next().url}/hooks/customers`, {
          method: 'POST',
          body: JSON.stringify({ email: `c${n}@example.com` }),
          headers: { 'content-type': 'application/json' },
          dispatcher,
        });
        await response.body.dump();
        return response.statusCode;
      }),
    );
    assert.deepEqual([...new Set(statuses)], [202]);
    const creates = () => recorder.arrivals().filter((a) => a.method === 'POST' && a.path === '/v1/customers');
    await waitFor(() => creates().length >= EVENTS, 30_000, `${EVENTS} customers created\n${cluster.output()}`);

    const arrivals = creates();
    const times = arrivals.map((a) => a.at);
    const offsets = times.map((at) => at - times[0]!).join(' ');
    t.diagnostic(`most in any second: ${maxInAnyWindow(times, 1_000)}; ${EVENTS} requests over ${times.at(-1)! - times[0]!} ms`);
    // The processes reserve send instants 100 ms apart; limiter.test.ts holds the reservations to
    // 10 in any second in virtual time. These are arrivals: a send that leaves late (an event loop
    // busy with the rest of the suite) lands beside the next one, so a sliding second can show one
    // more. Two more would take two late sends in one second, or a reservation too many.
    assert.ok(maxInAnyWindow(times, 1_000) <= 11, `at most 10 requests in any second, one more with a late send; saw ${maxInAnyWindow(times, 1_000)}; arrivals (ms): ${offsets}`);
    assert.ok(maxInAnyWindow(times, 2_000) <= 21, `at most 20 in any two seconds, one more with a late send; saw ${maxInAnyWindow(times, 2_000)}; arrivals (ms): ${offsets}`);
    assert.ok(times.at(-1)! - times[0]! >= 3_000, `40 requests at 10/s take more than 3 s, took ${times.at(-1)! - times[0]!} ms`);
    assert.deepEqual(arrivals.filter((a) => a.status !== 200).map((a) => a.status), [], 'the sandbox refused nothing');
    const emails = arrivals.map((a) => new URLSearchParams(a.body).get('email'));
    assert.equal(new Set(emails).size, EVENTS, 'each customer sent once');
  });

  it('an idle worker starts a run another process queued at once (NOTIFY), not at its next poll', { timeout: 60_000 }, async () => {
    const ERP_LATENCY_MS = 3_000;
    const erp = await startErp({ latencyMs: ERP_LATENCY_MS });
    const database = await scratchDatabase('weft_cluster');
    const { flows } = writeOrderFlow();
    // One slot each and a poll far away: only a notification can start the second run early.
    const cluster = await startCluster({
      size: 2,
      flows,
      databaseUrl: database.url,
      env: { ...workerEnv(erp.url, 10_000), WEFT_WORKER_CONCURRENCY: '1', WEFT_POLL_INTERVAL_MS: '20000' },
    });
    after(async () => {
      await cluster.stop();
      await database.drop();
      await erp.close();
    });
    const busy = cluster.workers[0]!;
    const sentAt = Date.now();
    for (const n of [1, 2]) {
      const response = await deliverOrder({ hookUrl: `${busy.url}/hooks/shop/orders`, secret: SECRET, order: makeOrder(n), webhookId: webhookIdOf(n), nowMs: Date.now(), dispatcher });
      assert.equal(response.status, 202);
    }
    await waitFor(() => Object.keys(erp.stats().creationsPerOrder).length === 2, 30_000, 'both orders created');
    const createdAt = erp.requestLog().map((request) => request.at);
    // Run 2 waited for no one: both calls were in the ERP together, one slot on each process.
    // Started by the busy process after run 1 instead, it would end after two latencies.
    const tookMs = Math.max(...createdAt) - sentAt;
    assert.ok(tookMs < 1.5 * ERP_LATENCY_MS, `both created within ${1.5 * ERP_LATENCY_MS} ms of sending; took ${tookMs} ms`);
  });

  it('a cron trigger every second fires once per tick with three workers running it', { timeout: 60_000 }, async () => {
    const erp = await startErp();
    const database = await scratchDatabase('weft_cluster');
    const { flows } = writeFlowProject('cluster-cron', {
      'ticks.flow.yaml': `id: ticks
trigger:
  schedule: { cron: "* * * * * *" }
steps:
  - id: record
    call:
      url: \${env:ERP_URL}/api/sales-orders
      body: '{ "externalId": trigger.body.scheduledAt, "lines": [{ "sku": "CAP-BLACK", "quantity": 1, "unitPrice": 1 }] }'
`,
    });
    const cluster = await startCluster({ size: 3, flows, databaseUrl: database.url, env: workerEnv(erp.url, 5_000) });
    after(async () => {
      await cluster.stop();
      await database.drop();
      await erp.close();
    });
    // Ticks from when all three processes run until six seconds later.
    const from = Date.now() + 1_000;
    await sleep(7_000);
    const until = from + 5_000;
    await waitFor(async () => (await openRuns(database.url)) === 0, 10_000, 'the tick runs to finish');

    const stats = erp.stats();
    const ticks = Object.keys(stats.creationsPerOrder)
      .map((tick) => Date.parse(tick))
      .filter((at) => at >= from && at < until)
      .sort((a, b) => a - b);
    assert.equal(stats.duplicateCreations, 0);
    assert.equal(stats.replayedByKey, 0, 'one run per tick: no second run had to be stopped by its idempotency key');
    assert.equal(ticks.length, 5, `one tick per second in five seconds: ${ticks.map((at) => new Date(at).toISOString()).join(', ')}`);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i]! - ticks[i - 1]!, 1_000);
    const events = await withDatabase(database.url, async (client) =>
      (await client.query(`SELECT count(*) AS n, count(DISTINCT dedupe_key) AS ticks FROM events WHERE flow_id = 'ticks'`)).rows[0],
    );
    assert.equal(Number(events.n), Number(events.ticks), 'one event per tick');
  });
});

describe('PostgreSQL restarts under load', { skip: skipWithoutPostgres || (privatePostgresUnavailable() ?? false) }, () => {
  it('ingest answers 503 while the database is down, nothing acknowledged is lost, work resumes by itself', { timeout: 120_000 }, async () => {
    const EVENTS = 600;
    const server = await startPrivatePostgres();
    const erp = await startErp();
    await withDatabase(server.url, (client) => client.query('CREATE DATABASE weft'));
    const databaseUrl = server.urlFor('weft');
    const { flows } = writeOrderFlow();
    const cluster = await startCluster({ size: 2, flows, databaseUrl, env: workerEnv(erp.url, 1_500) });
    const processes = cluster.workers.map((worker) => worker.child.pid);
    after(async () => {
      await cluster.stop();
      await erp.close();
      await server.destroy();
    });

    const answers: { at: number; sentAt: number; status: number }[] = [];
    const acknowledged = new Set<number>();
    let next = 1;
    const senders = Array.from({ length: 4 }, async () => {
      while (next <= EVENTS) {
        const n = next++;
        await deliverUntilAcknowledged(cluster, n, dispatcher, answers);
        acknowledged.add(orderNumberOf(n));
        await sleep(10);
      }
    });
    await waitFor(() => acknowledged.size >= EVENTS / 3, 60_000, 'the first third acknowledged');
    await server.stop();
    const stoppedAt = Date.now();
    await sleep(3_000);
    const restartingAt = Date.now();
    await server.start();
    await Promise.all(senders);

    // Answers to requests sent after the server was down and answered before it came back.
    const whileDown = answers.filter((a) => a.sentAt >= stoppedAt && a.at <= restartingAt);
    assert.ok(whileDown.length > 0, 'deliveries were attempted while the database was down');
    assert.deepEqual([...new Set(whileDown.map((a) => a.status))], [503], 'ingest answers 503 while the database is down');

    await waitFor(() => Object.keys(erp.stats().creationsPerOrder).length >= EVENTS, 60_000, `all ${EVENTS} orders in the ERP\n${cluster.output().slice(-3_000)}`);
    const stats = erp.stats();
    assert.deepEqual([...acknowledged].filter((id) => !stats.creationsPerOrder[String(id)]), [], 'acknowledged orders never created');
    assert.equal(stats.duplicateCreations, 0);
    assert.deepEqual(cluster.workers.map((worker) => worker.child.pid), processes, 'the same processes carried on: none crashed or was restarted');
  });
});
