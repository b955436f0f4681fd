// SQLite store throughput: `node --import tsx bench/store-ingest.ts`.
// Ingest: 10,000 events in waves of 200 awaited together (as concurrent webhook requests would be),
// per synchronous mode and group-commit delay; median of 3 runs, each on a fresh temp file.
// Latency: one ingest at a time. Claim: 32 runs out of 2,000 queued.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSqliteStore } from '../packages/weft/src/store/sqlite/sqlite-store.ts';
import type { SqliteStore, SqliteStoreOptions } from '../packages/weft/src/store/sqlite/sqlite-store.ts';
import type { NewEvent } from '../packages/weft/src/store/store.ts';

const TOTAL = 10_000;
const WAVE = 200;
const RUNS = 3;
const T0 = Date.UTC(2026, 0, 1);

let eventCount = 0;
function makeEvent(orderingKey: string | null = null): NewEvent {
  eventCount += 1;
  const id = `evt_${eventCount}`;
  return {
    id,
    runId: `run_${eventCount}`,
    flowId: 'orders',
    dedupeKey: `delivery-${eventCount}`,
    orderingKey,
    receivedAt: T0,
    event: {
      id,
      source: 'webhook',
      receivedAt: new Date(T0).toISOString(),
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create' },
      query: {},
      body: { id: eventCount, email: 'buyer@example.com', lines: [{ sku: 'A-1', quantity: 2, price: '19.90' }] },
    },
  };
}

async function withStore<T>(options: Omit<SqliteStoreOptions, 'path'>, use: (store: SqliteStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const store = createSqliteStore({ path: join(dir, 'weft.db'), ...options });
  try {
    return await use(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function ingestThroughput(options: Omit<SqliteStoreOptions, 'path'>): Promise<{ perSecond: number; commits: number }> {
  return withStore(options, async (store) => {
    const started = performance.now();
    for (let sent = 0; sent < TOTAL; sent += WAVE) {
      await Promise.all(Array.from({ length: WAVE }, () => store.ingest(makeEvent())));
    }
    return { perSecond: TOTAL / ((performance.now() - started) / 1000), commits: store.commitCount() };
  });
}

async function ingestLatencyMs(options: Omit<SqliteStoreOptions, 'path'>): Promise<number> {
  return withStore(options, async (store) => {
    const samples: number[] = [];
    for (let index = 0; index < 300; index += 1) {
      const started = performance.now();
      await store.ingest(makeEvent());
      samples.push(performance.now() - started);
    }
    return median(samples);
  });
}

async function claimMs(options: Omit<SqliteStoreOptions, 'path'>): Promise<number> {
  return withStore(options, async (store) => {
    for (let sent = 0; sent < 2000; sent += WAVE) {
      // A third of the runs share 50 ordering keys, as orders of repeat customers would.
      await Promise.all(Array.from({ length: WAVE }, (_, index) => store.ingest(makeEvent(index % 3 === 0 ? `customer-${index % 50}` : null))));
    }
    const samples: number[] = [];
    for (let index = 0; index < 20; index += 1) {
      const started = performance.now();
      const claimed = await store.claimRuns({ workerId: 'bench', now: T0, leaseMs: 30_000, limit: 32, flowConcurrency: {}, flowIds: ['orders'] });
      samples.push(performance.now() - started);
      if (claimed.length !== 32) throw new Error(`claimed ${claimed.length} runs, expected 32`);
    }
    return median(samples);
  });
}

for (const synchronous of ['full', 'normal'] as const) {
  for (const groupCommitDelayMs of [0, 2]) {
    const options = { synchronous, groupCommitDelayMs };
    const results: Array<{ perSecond: number; commits: number }> = [];
    for (let run = 0; run < RUNS; run += 1) results.push(await ingestThroughput(options));
    const latencies: number[] = [];
    for (let run = 0; run < RUNS; run += 1) latencies.push(await ingestLatencyMs(options));
    const claims: number[] = [];
    for (let run = 0; run < RUNS; run += 1) claims.push(await claimMs(options));
    console.log(
      `synchronous=${synchronous.padEnd(6)} groupCommitDelayMs=${groupCommitDelayMs}: ` +
        `${Math.round(median(results.map((result) => result.perSecond)))} ingests/s ` +
        `(${median(results.map((result) => result.commits))} commits for ${TOTAL}), ` +
        `single ingest ${median(latencies).toFixed(2)} ms, claim 32 of 2,000 ${median(claims).toFixed(2)} ms`,
    );
  }
}
