import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createManualClock } from '../core/clock.ts';
import { createMetrics } from '../observability/metrics.ts';
import { observeStore } from '../store/observed-store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { PruneError, StoreUnavailableError, type PruneRequest, type PruneResult, type RetentionStore } from '../store/store.ts';
import { startPruning, type Pruning } from './pruning.ts';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const NOTHING = { runs: 0, events: 0, checkpoints: 0, effects: 0, exceptions: 0, xrefCreations: 0, calls: 0, bulkJobs: 0, bulkJobItems: 0 };

function captureLog() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  return {
    lines,
    info: (fields: object, message: string) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
    warn: (fields: object, message: string) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5_000) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A retention store whose prunes the test finishes by hand. */
function heldRetention() {
  const requests: PruneRequest[] = [];
  const release: Array<(result: PruneResult) => void> = [];
  const retention: RetentionStore = {
    prune: (request) => {
      requests.push(request);
      return new Promise((resolve) => release.push(resolve));
    },
  };
  return { retention, requests, finish: () => release.shift()?.({ counts: NOTHING, yieldedToAnother: false }) };
}

describe('pruning', () => {
  let pruning: Pruning | undefined;
  afterEach(async () => {
    await pruning?.stop();
    pruning = undefined;
  });

  it('prunes on its timer with cutoffs from the clock, logs one line with the counts and counts the rows in the metrics', async () => {
    const store = observeStore(createSqliteStore({ path: ':memory:' }));
    const clock = createManualClock(T0 + 31 * DAY);
    const metrics = createMetrics({ store, clock, includeProcessMetrics: false });
    try {
      const event = { id: 'evt_1', runId: 'run_1', flowId: 'orders', dedupeKey: 'd1', orderingKey: null, receivedAt: T0 };
      await store.ingest({ ...event, event: { id: 'evt_1', source: 'webhook', receivedAt: new Date(T0).toISOString(), headers: {}, query: {}, body: {} } });
      const [run] = await store.claimRuns({ workerId: 'w', now: T0, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
      await store.completeRun('run_1', run!.fence, T0 + 1);
      const log = captureLog();

      pruning = startPruning({ store, clock, log, retention: { runsMs: 30 * DAY, callsMs: 7 * DAY }, onPruned: metrics.recordPruned, firstDelayMs: 1 });
      await until(() => log.lines.length > 0, 'the first prune');

      assert.equal(await store.getRun('run_1'), undefined);
      assert.deepEqual(log.lines, [
        {
          level: 'info',
          message: 'retention.pruned',
          fields: { ...NOTHING, runs: 1, events: 1, runsFinishedBefore: new Date(T0 + DAY).toISOString(), callsBefore: new Date(T0 + 24 * DAY).toISOString(), ms: 0 },
        },
      ]);
      const text = await metrics.render();
      assert.match(text, /^weft_pruned_rows_total\{table="runs"\} 1$/m);
      assert.match(text, /^weft_pruned_rows_total\{table="events"\} 1$/m);
    } finally {
      metrics.stop();
      await store.close();
    }
  });

  it('joins a prune under way instead of starting a second, and stop() stops it after its batch', async () => {
    const held = heldRetention();
    pruning = startPruning({ store: { retention: held.retention }, clock: createManualClock(T0), log: captureLog(), retention: { runsMs: DAY, callsMs: undefined }, firstDelayMs: 60_000 });
    const first = pruning.prune();
    const second = pruning.prune();
    assert.equal(first, second);
    assert.equal(held.requests.length, 1);
    assert.deepEqual([held.requests[0]!.runsFinishedBefore, 'callsBefore' in held.requests[0]!], [T0 - DAY, false]);

    let isStopped = false;
    const stopped = pruning.stop().then(() => (isStopped = true));
    assert.equal(held.requests[0]!.signal?.aborted, true, 'the store is told to stop between batches');
    await sleep(10);
    assert.equal(isStopped, false, 'stop waits for the batch under way');
    held.finish();
    await stopped;
    assert.deepEqual((await first).counts, NOTHING);
  });

  it('tries again at the next interval after a prune failed, saying why', async () => {
    let attempts = 0;
    const log = captureLog();
    const retention: RetentionStore = {
      prune: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('the database is locked');
        return { counts: NOTHING, yieldedToAnother: false };
      },
    };
    pruning = startPruning({ store: { retention }, clock: createManualClock(T0), log, retention: { runsMs: DAY, callsMs: DAY }, firstDelayMs: 1, intervalMs: 5 });
    await until(() => attempts >= 2, 'a second prune');
    assert.equal(log.lines[0]?.message, 'retention.failed');
    assert.equal(log.lines[0]?.level, 'warn');
  });

  it('logs and counts what a prune failing part-way deleted before it failed', async () => {
    const store = observeStore(createSqliteStore({ path: ':memory:' }));
    const clock = createManualClock(T0 + 31 * DAY);
    const metrics = createMetrics({ store, clock, includeProcessMetrics: false });
    const unavailable = new StoreUnavailableError('the database is unreachable');
    const retention: RetentionStore = {
      prune: async () => {
        throw new PruneError({ ...NOTHING, runs: 500, events: 500, checkpoints: 1000 }, unavailable);
      },
    };
    const log = captureLog();
    try {
      pruning = startPruning({ store: { retention }, clock, log, retention: { runsMs: 30 * DAY, callsMs: undefined }, onPruned: metrics.recordPruned, firstDelayMs: 1, intervalMs: 60_000 });
      await until(() => log.lines.length > 0, 'the first prune');
      assert.deepEqual(log.lines, [
        {
          level: 'warn',
          message: 'retention.failed',
          fields: { ...NOTHING, runs: 500, events: 500, checkpoints: 1000, runsFinishedBefore: new Date(T0 + DAY).toISOString(), ms: 0, err: unavailable },
        },
      ]);
      const text = await metrics.render();
      assert.match(text, /^weft_pruned_rows_total\{table="runs"\} 500$/m);
      assert.match(text, /^weft_pruned_rows_total\{table="checkpoints"\} 1000$/m);
    } finally {
      metrics.stop();
      await store.close();
    }
  });

  it('prunes nothing when both retentions are off', async () => {
    const held = heldRetention();
    pruning = startPruning({ store: { retention: held.retention }, clock: createManualClock(T0), log: captureLog(), retention: { runsMs: undefined, callsMs: undefined }, firstDelayMs: 1, intervalMs: 1 });
    await sleep(30);
    assert.equal(held.requests.length, 0);
  });
});
