import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { idempotencyKey, newId } from '../packages/weft/src/core/ids.ts';
import { makeOrder } from '../packages/weft/src/demo/shop.ts';
import { createSqliteStore, type SqliteStore } from '../packages/weft/src/store/sqlite/sqlite-store.ts';

/**
 * The store's share of one webhook → map → call run, without HTTP: each simulated run makes the
 * store calls the engine makes for the bench flow, in the same order and with the same payloads
 * (ingest claimed on arrival, the map checkpoint with the effect's intent, the destination's
 * hold and the audit record of the request, the answer completing that record, the call's
 * checkpoint with its effect, completion with the exception auto-resolve), `--concurrency` runs at a time so writes group-commit as they do in the engine.
 * Reports the process's CPU microseconds per run and commits per run: the number to compare
 * two versions of the SQLite store with (`--runs`, default 20,000, median of `--repeats`).
 */

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    repeats: { type: 'string', default: '3' },
  },
});
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
const repeats = Number(values.repeats);
const flowId = 'bench-orders';
const erpUrl = 'http://127.0.0.1:9/api/sales-orders';

async function oneRun(store: SqliteStore, n: number): Promise<void> {
  const now = Date.now();
  const eventId = newId('evt', now);
  const runId = newId('run', now);
  const order = makeOrder(n) as { order_number: number; currency: string; line_items: { sku: string; quantity: number; price: string }[] };
  const headers = { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': `w-${n}`, host: '127.0.0.1' };
  const outcome = await store.ingest(
    { id: eventId, runId, flowId, dedupeKey: `w-${n}`, orderingKey: null, receivedAt: now, event: { id: eventId, source: 'webhook', receivedAt: new Date(now).toISOString(), headers, query: {}, body: order } },
    { workerId: 'bench', leaseMs: 30_000 },
  );
  if (outcome.status !== 'accepted' || !outcome.claimed) throw new Error('the run was not claimed on ingest');
  const fence = outcome.claimed.fence;
  const salesOrder = { externalId: String(order.order_number), currency: order.currency, lines: order.line_items.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: Number(l.price) })) };
  const mapped = store.checkpoint(runId, fence, { path: 'toErp', output: salesOrder, outcome: 'done' }, { now });
  const key = idempotencyKey(flowId, eventId, 'createOrder');
  const request = {
    at: now, flowId, runId, stepPath: 'createOrder', attempt: 1, method: 'POST', url: erpUrl,
    requestHeaders: { 'content-type': 'application/json', 'idempotency-key': key }, requestBody: JSON.stringify(salesOrder),
  };
  const [, begun] = await Promise.all([mapped, store.beginEffect({ key, runId, stepPath: 'createOrder', now, destination: 'http://127.0.0.1:9', call: request })]);
  if (begun.effect.status === 'done' || begun.call === undefined) throw new Error('a fresh run found its effect done');
  const responseBody = JSON.stringify({ id: `SO-${n}`, ...salesOrder });
  await Promise.all([
    store.completeCall({
      ...request, id: begun.call.id,
      status: 201, durationMs: 1, responseHeaders: { 'content-type': 'application/json', 'content-length': String(responseBody.length), date: new Date(now).toUTCString() },
      responseBody, error: null,
    }),
    store.checkpoint(runId, fence, { path: 'createOrder', output: { status: 201, body: JSON.parse(responseBody) }, outcome: 'done' }, { now, effectKey: key }),
    store.completeRun(runId, fence, now),
  ]);
}

/** The process's CPU time: the event loop's, GC helpers' and the kernel's (an fsync is mostly kernel time). */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function measure(): Promise<{ cpuMicrosPerRun: number; wallMicrosPerRun: number; commitsPerRun: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-store-run-'));
  const store = createSqliteStore({ path: join(dir, 'weft.db') });
  try {
    let next = 0;
    const drive = async () => {
      while (next < runs) await oneRun(store, next++);
    };
    const cpuBefore = cpuMicros();
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: concurrency }, drive));
    const wall = (performance.now() - startedAt) * 1000;
    return { cpuMicrosPerRun: (cpuMicros() - cpuBefore) / runs, wallMicrosPerRun: wall / runs, commitsPerRun: store.commitCount() / runs };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (let repeat = 1; repeat <= repeats; repeat++) {
  const result = await measure();
  results.push(result);
  process.stdout.write(`run ${repeat}: ${result.cpuMicrosPerRun.toFixed(1)} µs CPU/run, ${result.wallMicrosPerRun.toFixed(1)} µs wall/run, ${result.commitsPerRun.toFixed(3)} commits/run\n`);
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
process.stdout.write(
  `median of ${repeats}: ${median(results.map((r) => r.cpuMicrosPerRun)).toFixed(1)} µs CPU/run, ${median(results.map((r) => r.wallMicrosPerRun)).toFixed(1)} µs wall/run\n`,
);
