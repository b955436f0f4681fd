import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl, scratchSchema, skipWithoutPostgres } from '../../../test/support/postgres.ts';
import { createSqliteStore } from '../sqlite/sqlite-store.ts';
import type { CallStatusClass, Page, Store } from '../store.ts';
import { createPostgresStore } from './postgres-store.ts';

/**
 * The management API's listings, summaries, tokens and audit are not in the store contract
 * suite; here the same history is written to SQLite and to PostgreSQL and every read must
 * answer the same. Exception ids are random per store, so they are compared by order of
 * appearance; page cursors by presence (each store follows its own).
 */
const T0 = Date.UTC(2026, 0, 1, 12);
const SECOND = 1000;

async function seed(store: Store): Promise<void> {
  let n = 0;
  const ingest = async (flowId: string, at: number, orderingKey: string | null, dedupeKey?: string) => {
    n += 1;
    await store.ingest({
      id: `evt_${n}`,
      runId: `run_${n}`,
      flowId,
      dedupeKey: dedupeKey ?? `d-${n}`,
      orderingKey,
      receivedAt: at,
      event: { id: `evt_${n}`, source: n % 3 === 0 ? 'schedule' : 'webhook', receivedAt: new Date(at).toISOString(), headers: {}, query: {}, body: { n } },
    });
    return `run_${n}`;
  };
  const claimOne = async (runId: string, flowId: string, now: number) => {
    const claimed = await store.claimRuns({ workerId: 'w', now, leaseMs: 60 * SECOND, limit: 50, flowConcurrency: {}, flowIds: [flowId] });
    const run = claimed.find((candidate) => candidate.id === runId);
    assert.ok(run, `${runId} claimed`);
    for (const other of claimed.filter((candidate) => candidate.id !== runId)) await store.releaseRun(other.id, other.fence, now);
    return run;
  };
  const call = (runId: string, flowId: string, at: number, status: number | null, connection?: string) =>
    store.recordCall({
      at,
      flowId,
      runId,
      stepPath: 'post',
      attempt: 1,
      method: 'POST',
      url: `https://erp.example.com/orders/${runId}`,
      status,
      durationMs: 12,
      requestHeaders: { 'content-type': 'application/json' },
      requestBody: `{"order":"${runId}","discount":"50%_off"}`,
      responseHeaders: {},
      responseBody: status === null ? null : `{"status":${status}}`,
      error: status === null ? 'ECONNRESET' : null,
      ...(connection === undefined ? {} : { connection }),
    });

  const a1 = await ingest('orders', T0, 'customer-1');
  const a2 = await ingest('orders', T0 + 20 * SECOND, 'customer-1');
  const b1 = await ingest('invoices', T0 + 30 * SECOND, null, 'inv-7');
  const b2 = await ingest('invoices', T0 + 70 * SECOND, null, 'inv-8');
  const c1 = await ingest('orders', T0 + 95 * SECOND, 'customer-2');
  await ingest('orders', T0 + 130 * SECOND, null);

  let run = await claimOne(a1, 'orders', T0 + SECOND);
  await store.checkpoint(a1, run.fence, { path: 'map', output: { ok: 1 }, outcome: 'done' }, { now: T0 + 2 * SECOND });
  await call(a1, 'orders', T0 + 3 * SECOND, 503, 'erp');
  await store.parkException(a1, run.fence, { reason: 'destination-down', message: 'ERP 503', stepPath: 'post', input: { n: 1 }, lastResponse: { status: 503 }, now: T0 + 4 * SECOND });

  run = await claimOne(a2, 'orders', T0 + 25 * SECOND);
  await store.checkpoint(a2, run.fence, { path: 'map', output: null, outcome: 'done' }, { now: T0 + 26 * SECOND });
  await call(a2, 'orders', T0 + 27 * SECOND, 201, 'erp');
  await store.checkpoint(a2, run.fence, { path: 'post', output: { id: 9 }, outcome: 'done' }, { now: T0 + 28 * SECOND });
  await store.completeRun(a2, run.fence, T0 + 29 * SECOND);

  run = await claimOne(b1, 'invoices', T0 + 31 * SECOND);
  await call(b1, 'invoices', T0 + 32 * SECOND, 404, 'crm');
  await store.parkException(b1, run.fence, { reason: 'validation', message: 'no customer', stepPath: 'post', input: null, lastResponse: undefined, now: T0 + 33 * SECOND });

  run = await claimOne(b2, 'invoices', T0 + 71 * SECOND);
  await call(b2, 'invoices', T0 + 72 * SECOND, null);
  await call(b2, 'invoices', T0 + 73 * SECOND, 302, 'crm');
  await store.parkException(b2, run.fence, { reason: 'validation', message: 'bad total', stepPath: 'map', input: { total: -1 }, lastResponse: undefined, now: T0 + 74 * SECOND });
  const [open] = await store.listExceptions({ runId: b2 });
  await store.discardException(open!.id, T0 + 80 * SECOND, 'duplicate invoice');

  run = await claimOne(c1, 'orders', T0 + 96 * SECOND);
  await store.checkpoint(c1, run.fence, { path: 'map', output: [1, 2], outcome: 'done' }, { now: T0 + 97 * SECOND });
  await store.scheduleRetry(c1, run.fence, { stepPath: 'post', dueAt: T0 + 200 * SECOND, now: T0 + 98 * SECOND, error: 'HTTP 429' });

  await store.tokens.create({ id: 'tok_1', name: 'ci', role: 'operator', kind: 'api', hash: 'h1', now: T0 });
  await store.tokens.create({ id: 'tok_2', name: 'console', role: 'admin', kind: 'session', hash: 'h2', now: T0, expiresAt: T0 + 60 * SECOND });
  await store.tokens.create({ id: 'tok_3', name: 'old', role: 'viewer', kind: 'api', hash: 'h3', now: T0 + 1 });
  await store.tokens.touch('tok_1', T0 + 5 * SECOND);
  for (const [index, action] of ['replay', 'discard', 'token.create', 'replay'].entries()) {
    await store.adminAudit.record({ at: T0 + index, actor: index % 2 === 0 ? 'ci' : 'admin', role: 'operator', action, target: `exc_${index}`, detail: index === 0 ? undefined : { index } });
  }
  await store.flowStates.setEnabled('orders', false, T0);
  await store.flowStates.setEnabled('invoices', false, T0);
  await store.flowStates.setEnabled('invoices', true, T0 + 1);
}

/** Every page of a listing, following the store's own cursors. */
async function allPages<T>(fetch: (cursor?: string) => Promise<Page<T>>): Promise<Array<{ items: T[]; hasNext: boolean }>> {
  const pages = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    pages.push({ items: page.items, hasNext: page.nextCursor !== null });
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages.length < 20);
  return pages;
}

/** Exception ids by order of first appearance: each store draws its own. */
function normalised(value: unknown): unknown {
  const seen = new Map<string, string>();
  return JSON.parse(JSON.stringify(value).replace(/exc_[0-9a-f]+/g, (id) => seen.get(id) ?? (seen.set(id, `exc#${seen.size + 1}`), `exc#${seen.size}`)));
}

const READS: Array<[string, (store: Store) => Promise<unknown>]> = [
  ['pageRuns', (s) => allPages((cursor) => s.operations.pageRuns({ limit: 2, ...(cursor ? { cursor } : {}) }))],
  ['pageRuns by flow and status', (s) => allPages((cursor) => s.operations.pageRuns({ limit: 1, flowId: 'orders', status: 'exception', ...(cursor ? { cursor } : {}) }))],
  ['pageRuns by q', async (s) => [await s.operations.pageRuns({ limit: 5, q: 'customer-1' }), await s.operations.pageRuns({ limit: 5, q: 'evt_3' })]],
  ['pageEvents', (s) => allPages((cursor) => s.operations.pageEvents({ limit: 4, ...(cursor ? { cursor } : {}) }))],
  ['pageEvents by flow', (s) => s.operations.pageEvents({ limit: 10, flowId: 'invoices' })],
  ['pageExceptions', (s) => allPages((cursor) => s.operations.pageExceptions({ limit: 1, ...(cursor ? { cursor } : {}) }))],
  ['pageExceptions filtered', (s) => s.operations.pageExceptions({ limit: 10, flowId: 'invoices', reason: 'validation', status: 'open' })],
  ['exceptionGroups', async (s) => [await s.operations.exceptionGroups({}), await s.operations.exceptionGroups({ status: 'open' })]],
  ['pageCalls', (s) => allPages((cursor) => s.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 2, ...(cursor ? { cursor } : {}) }))],
  [
    'pageCalls filtered',
    async (s) => [
      ...(await Promise.all((['2xx', '3xx', '4xx', '5xx', 'error'] as CallStatusClass[]).map((status) => s.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 10, status })))),
      await s.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 10, connection: 'crm' }),
      await s.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 10, q: '50%_off' }),
      await s.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 10, q: 'run_4' }),
      await s.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 10, from: T0 + 27 * SECOND, to: T0 + 72 * SECOND }),
      await s.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 10, runId: 'run_4' }),
    ],
  ],
  ['checkpointTimes', (s) => s.operations.checkpointTimes('run_2')],
  ['summary', (s) => s.operations.summary({ since: T0 - 30 * SECOND, now: T0 + 150 * SECOND })],
  ['connectionActivity', (s) => s.operations.connectionActivity()],
  ['queueStats', (s) => s.queueStats!(T0 + 150 * SECOND)],
  ['exceptions', (s) => s.listExceptions({})],
  ['calls', (s) => s.listCalls({ now: T0 + 150 * SECOND })],
  ['runs', async (s) => Promise.all(['run_1', 'run_2', 'run_3', 'run_5'].map((id) => s.getRun(id)))],
  [
    'tokens',
    async (s) => [
      await s.tokens.list(),
      await s.tokens.findByHash('h1', T0 + 10 * SECOND),
      await s.tokens.findByHash('h2', T0 + 10 * SECOND),
      await s.tokens.findByHash('h2', T0 + 60 * SECOND),
      await s.tokens.adminPasswordHash(),
    ],
  ],
  ['adminAudit', async (s) => [await allPages((cursor) => s.adminAudit.list({ limit: 3, ...(cursor ? { cursor } : {}) })), await s.adminAudit.list({ limit: 10, actor: 'ci', action: 'replay' })]],
  ['flowStates', (s) => s.flowStates.disabled()],
];

/** Writes whose answers are compared too, applied after the reads above. */
const WRITES: Array<[string, (store: Store) => Promise<unknown>]> = [
  ['revoke', async (s) => [await s.tokens.revoke('tok_3', T0 + 100), await s.tokens.revoke('tok_3', T0 + 101), await s.tokens.list()]],
  [
    'admin password',
    async (s) => [
      await s.tokens.setAdminPasswordHash('scrypt$1', T0),
      await s.tokens.setAdminPasswordHash('scrypt$2', T0 + 1),
      await s.tokens.adminPasswordHash(),
      await s.tokens.setAdminPasswordHash('scrypt$3', T0 + 2, { replace: true }),
      await s.tokens.adminPasswordHash(),
    ],
  ],
  [
    'completeRun resolves exceptions',
    async (s) => {
      // run_7 repeats the record of run_5 (same ordering key, customer-2): its completion resolves
      // the exception parked here; run_1's was resolved in the seed by run_2's completion.
      const claimed = await s.claimRuns({ workerId: 'w', now: T0 + 200 * SECOND, leaseMs: 60 * SECOND, limit: 50, flowConcurrency: {}, flowIds: ['orders'] });
      const run5 = claimed.find((run) => run.id === 'run_5');
      assert.ok(run5);
      for (const other of claimed.filter((run) => run !== run5)) await s.releaseRun(other.id, other.fence, T0 + 200 * SECOND);
      const parked = await s.parkException('run_5', run5.fence, { reason: 'rate-limited', message: 'ERP 429', stepPath: 'post', input: null, lastResponse: undefined, now: T0 + 201 * SECOND });
      const outcome = await s.ingest(
        { id: 'evt_7', runId: 'run_7', flowId: 'orders', dedupeKey: 'd-7', orderingKey: 'customer-2', receivedAt: T0 + 210 * SECOND, event: { id: 'evt_7', source: 'webhook', receivedAt: new Date(T0).toISOString(), headers: {}, query: {}, body: {} } },
        { workerId: 'parity', leaseMs: 60 * SECOND },
      );
      assert.ok(outcome.status === 'accepted' && outcome.claimed);
      const resolved = await s.completeRun('run_7', outcome.claimed.fence, T0 + 211 * SECOND);
      assert.deepEqual(resolved, [parked]);
      return [resolved.length, await s.listExceptions({ status: 'resolved' })];
    },
  ],
];

describe('postgres store: same answers as sqlite for the management reads', { skip: skipWithoutPostgres }, () => {
  let sqlite: Store;
  let postgres: Store;
  let dir: string;
  const schema = scratchSchema('weft_parity');
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-parity-'));
    sqlite = createSqliteStore({ path: join(dir, 'weft.db') });
    postgres = await createPostgresStore({ url: databaseUrl!, schema: schema.name, poolSize: 2 });
    await seed(sqlite);
    await seed(postgres);
  });
  after(async () => {
    await sqlite?.close();
    await postgres?.close();
    await schema.drop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, read] of [...READS, ...WRITES]) {
    it(name, async () => {
      const expected = normalised(await read(sqlite));
      assert.deepEqual(normalised(await read(postgres)), expected);
    });
  }

  it('the history is not trivial: each listing has rows', async () => {
    assert.ok((await postgres.operations.pageCalls({ now: T0 + 150 * SECOND, limit: 10, status: '5xx' })).items.length > 0);
    assert.ok((await postgres.operations.exceptionGroups({})).length >= 2);
    assert.ok((await postgres.operations.summary({ since: T0, now: T0 + 150 * SECOND })).perMinute.some((minute) => minute.runsCompleted > 0));
  });
});

if (skipWithoutPostgres) describe('postgres parity', () => it('compares with sqlite', { skip: skipWithoutPostgres }, () => {}));
