import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import type { ConnectionRuntime } from '../connectors/connection-runtime.ts';
import { systemClock, systemRandom } from '../core/clock.ts';
import { loadFlows } from '../flows/load-flow.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { StoreUnavailableError, type Store } from '../store/store.ts';
import { createExpressionEngine } from '../transforms/expression.ts';
import { createEngine } from './engine.ts';

const PLAIN_FLOW = `id: plain
trigger: { manual: {} }
steps:
  - id: double
    map: 'trigger.body.n * 2'
`;

const ORDERED_FLOW = `id: ordered
trigger: { manual: {} }
orderingKey: trigger.body.customer
steps:
  - id: double
    map: 'trigger.body.n * 2'
`;

const DELAYED_ORDERED_FLOW = `id: delayed
trigger: { manual: {} }
orderingKey: trigger.body.customer
steps:
  - id: pause
    delay: 1h
  - id: double
    map: 'trigger.body.n * 2'
`;

async function startEngine(flowYaml: string, wrap: (store: Store) => Store = (store) => store) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-worker-'));
  await writeFile(join(dir, 'flow.flow.yaml'), flowYaml);
  const expressions = createExpressionEngine();
  const { flows, diagnostics } = await loadFlows([dir], { engine: expressions, env: {} });
  assert.deepEqual(diagnostics, []);
  const sqlite = createSqliteStore({ path: join(dir, 'weft.db') });
  let claimQueries = 0;
  const store: Store = wrap({ ...sqlite, claimRuns: (request) => ((claimQueries += 1), sqlite.claimRuns(request)) });
  const engine = createEngine({
    store,
    clock: systemClock,
    random: systemRandom,
    log: pino({ level: 'silent' }),
    flows,
    workerId: 'test-worker',
    concurrency: 8,
    leaseMs: 30_000,
    pollIntervalMs: 60_000,
    auditBodyBytes: 1024,
    redactFields: [],
    dispatcher: new Agent(),
    egressAllow: [],
    connections: {} as ConnectionRuntime,
  });
  const flow = flows[0]!;
  return {
    claimQueries: () => claimQueries,
    store: sqlite,
    accept: (body: unknown) => engine.accept(flow, { source: 'manual', headers: {}, query: {}, body }),
    async waitUntilSucceeded(count: number): Promise<void> {
      const deadline = Date.now() + 10_000;
      while ((await sqlite.countRuns()).succeeded < count) {
        if (Date.now() > deadline) throw new Error(`only ${(await sqlite.countRuns()).succeeded} of ${count} runs succeeded`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close(): Promise<void> {
      await engine.stop(1000);
      await sqlite.close();
      await expressions.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('worker', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const engine of opened) await engine.close();
  });

  it('runs events claimed at ingest without a claim query per finished run', async () => {
    const engine = await startEngine(PLAIN_FLOW);
    opened.push(engine);
    for (let n = 1; n <= 20; n++) {
      await engine.accept({ n });
      await engine.waitUntilSucceeded(n);
    }
    // The start-up look, and none per run: each was claimed by its own ingest.
    assert.ok(engine.claimQueries() <= 2, `${engine.claimQueries()} claim queries for 20 runs`);
  });

  it('hands a run back when the store cannot commit its writes, instead of parking it as a bug', async () => {
    let refusals = 1;
    const engine = await startEngine(PLAIN_FLOW, (store) => ({
      ...store,
      // The disk is full, or another process holds the lock, just as the run completes.
      completeRun: (...args) =>
        refusals-- > 0 ? Promise.reject(new StoreUnavailableError('the store could not commit: SQLITE_BUSY: database is locked')) : store.completeRun(...args),
    }));
    opened.push(engine);
    const outcome = await engine.accept({ n: 21 });
    assert.equal(outcome.status, 'accepted');
    const deadline = Date.now() + 5_000;
    let run = await engine.store.getRun(outcome.runId);
    while (run?.status !== 'waiting' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      run = await engine.store.getRun(outcome.runId);
    }
    assert.equal(run?.status, 'waiting', 'postponed, to resume from its last checkpoint');
    assert.ok(run!.dueAt - Date.now() <= 1000);
    assert.deepEqual(await engine.store.listExceptions({}), [], 'no exception: the run did nothing wrong');
    assert.deepEqual(run?.checkpoints.map((c) => c.output), [42]);
  });

  it('parks a run whose worker died five times in a row on the same step, instead of claiming it forever', async () => {
    // Five workers claimed it in the second before it reached this engine, and died (kill -9, a
    // hang) without checkpointing a step. This engine's own looks wait until they are buried: one
    // that came between them would take the run with a live lease and run it.
    let buried = Promise.resolve();
    const engine = await startEngine(PLAIN_FLOW, (store) => ({
      ...store,
      ingest: async (event) => {
        let bury = () => {};
        buried = new Promise((resolve) => (bury = resolve));
        const start = event.receivedAt - 1000;
        const outcome = await store.ingest({ ...event, receivedAt: start });
        for (let i = 0; i < 5; i++) await store.claimRuns({ workerId: `dead-${i}`, now: start + i * 10, leaseMs: 5, limit: 1, flowIds: [event.flowId], flowConcurrency: {} });
        bury();
        return outcome;
      },
      claimRuns: async (request) => {
        await buried;
        return store.claimRuns(request);
      },
    }));
    opened.push(engine);
    const outcome = await engine.accept({ n: 1 });
    assert.equal(outcome.status, 'accepted');
    const deadline = Date.now() + 5_000;
    while ((await engine.store.listExceptions({})).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const [exception] = await engine.store.listExceptions({});
    assert.deepEqual([exception?.runId, exception?.reason, exception?.stepPath], [outcome.runId, 'bug', 'double']);
    assert.match(exception!.message, /died or stopped answering 5 times in a row/);
    assert.deepEqual((await engine.store.getRun(outcome.runId))?.checkpoints, [], 'not run a sixth time');
  });

  it('still looks when a run ends that may hold back the next one of its ordering key', async () => {
    const engine = await startEngine(ORDERED_FLOW);
    opened.push(engine);
    await Promise.all(Array.from({ length: 6 }, (_, i) => engine.accept({ n: i, customer: 'c1' })));
    // The poll interval is a minute: only the looks after each run can drain the key in time.
    await engine.waitUntilSucceeded(6);
    assert.ok(engine.claimQueries() >= 5, `${engine.claimQueries()} claim queries`);
  });

  it('does not look again and again while the only due run is held back by its ordering key', async () => {
    const engine = await startEngine(DELAYED_ORDERED_FLOW);
    opened.push(engine);
    const first = await engine.accept({ n: 1, customer: 'c1' });
    const second = await engine.accept({ n: 2, customer: 'c1' });
    const deadline = Date.now() + 5_000;
    while ((await engine.store.getRun(first.runId))?.status !== 'waiting' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal((await engine.store.getRun(first.runId))?.status, 'waiting', 'the first run waits in its delay for an hour');
    // The second run is due but cannot be claimed before the first ends: a worker that takes
    // its due time as the time to look again would claim in a tight loop for the hour.
    const before = engine.claimQueries();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const looks = engine.claimQueries() - before;
    assert.ok(looks <= 3, `${looks} claim queries in a second while the due run is held back`);
    assert.equal((await engine.store.getRun(second.runId))?.status, 'queued');
  });
});
