/**
 * Poll triggers end to end: a connector's poll trigger against a small records API whose
 * records share timestamps, the cursor advanced with each committed batch, overlap absorbed by
 * per-record-version dedupe, and a backfill from a start point.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { cursor, defineConnector, defineTrigger, defineAction, schema, type Connector, type PollCursorRule, type PollSpec } from '@weft/sdk';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';
import { createPoller, type PollerOptions } from '../src/engine/poller.ts';
import { backfillPolls } from '../src/cli/commands/backfill.ts';
import { CliError } from '../src/cli/context.ts';
import { loadConfig } from '../src/config.ts';
import { createConfiguredEngine, openOutbound, openStore } from '../src/main.ts';
import { loadFlows } from '../src/flows/load-flow.ts';
import { createExpressionEngine } from '../src/transforms/expression.ts';
import { StoreUnavailableError } from '../src/store/store.ts';

interface Row {
  id: string;
  updatedAt: string;
}

/** A records API: `GET /records?updatedSince=` returns records updated at or after it, oldest first. */
function startRecordsApi(rows: Row[]): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://records');
    requests.push(url.search);
    const since = url.searchParams.get('updatedSince') ?? '';
    const found = rows.filter((row) => row.updatedAt >= since).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: found }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests })));
}

const recordsPoll: PollSpec = {
  cursor: 'timestamp',
  // Inclusive on purpose: records that share the boundary second are fetched again, and their
  // dedupe id (id + version) keeps them from running twice.
  request: (cursor: string | undefined) => ({ method: 'GET', path: '/records', query: { updatedSince: cursor } }),
  items: (body: unknown) => (body as { records: Row[] }).records,
  nextCursor: (items: unknown[]) => (items.at(-1) as Row | undefined)?.updatedAt,
  dedupeId: (item: unknown) => `${(item as Row).id}@${(item as Row).updatedAt}`,
};

const recordsUpdated = defineTrigger({
  id: 'records-updated',
  name: 'Records created or updated',
  strategy: 'poll',
  output: schema.Object({ id: schema.String(), updatedAt: schema.String() }),
  poll: recordsPoll,
});

const recordsApi = defineConnector({
  id: 'records-api',
  name: 'Records API',
  baseUrl: 'https://records.invalid',
  auth: [],
  actions: [defineAction({ id: 'noop', name: 'No-op', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'GET', path: '/records' }) })],
  triggers: [recordsUpdated],
});

/** The same records, from a trigger that asks to be polled every 300 ms. */
const recordsUpdatedOften = defineTrigger({
  id: 'records-updated-often',
  name: 'Records created or updated, polled often',
  strategy: 'poll',
  output: schema.Object({ id: schema.String(), updatedAt: schema.String() }),
  poll: { ...recordsPoll, intervalMs: 300 },
});
const recordsApiOften = defineConnector({ ...recordsApi, id: 'records-api-often', triggers: [recordsUpdatedOften] });

const FLOW = `id: sync-records
trigger:
  poll: { connection: records, trigger: records-updated, every: 1h, since: "2026-01-01T00:00:00Z" }
steps:
  - id: echo
    map: trigger.body.id
`;

describe('poll triggers', () => {
  const rows: Row[] = [
    { id: 'a', updatedAt: '2026-01-01T00:00:05Z' },
    { id: 'b', updatedAt: '2026-01-01T00:00:07Z' },
    { id: 'c', updatedAt: '2026-01-01T00:00:07Z' },
  ];
  let api: Awaited<ReturnType<typeof startRecordsApi>>;
  before(async () => {
    api = await startRecordsApi(rows);
  });
  after(() => api.server.close());

  it("polls at the interval the connector's trigger declares when the flow sets no `every`", { timeout: 30_000 }, async () => {
    const own = await startRecordsApi(rows);
    const weft = await startTestWeft(
      { 'often.yaml': 'id: often\ntrigger:\n  poll: { connection: often, trigger: records-updated-often, since: "2026-01-01T00:00:00Z" }\nsteps:\n  - id: echo\n    map: trigger.body.id\n' },
      {
        connectors: [recordsApiOften],
        prepare: (store) => store.connections.put({ id: 'often', connectorId: 'records-api-often', config: { baseUrl: own.url }, now: Date.now() }),
      },
    );
    try {
      await settledRuns(weft, 'often', 3);
      const settledAt = own.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // Every 300 ms, not every minute: four or five more polls in 1.5 s.
      assert.ok(own.requests.length - settledAt >= 3, `${own.requests.length - settledAt} polls in 1.5 s`);
    } finally {
      await weft.close();
      own.server.close();
    }
  });

  it('commits each record once, advances the cursor with the batch, and picks up same-second and updated records', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft(
      { 'f.yaml': FLOW },
      {
        connectors: [recordsApi],
        prepare: (store) => store.connections.put({ id: 'records', connectorId: 'records-api', config: { baseUrl: api.url }, now: Date.now() }),
      },
    );
    try {
      // The poller starts at once (first poll from `since`).
      assert.equal((await settledRuns(weft, 'sync-records', 3)).succeeded, 3);
      assert.equal(await weft.store.pollCursor('sync-records:records:records-updated'), '2026-01-01T00:00:07Z');
      // The cursor moved, so the background poller looks once more at once (a backlog may be
      // waiting) and finds only the overlap; the new rows must come after that look, or it
      // would take them before the poll below does.
      for (const deadline = Date.now() + 10_000; api.requests.length < 2; ) {
        if (Date.now() > deadline) throw new Error(`the background poller polled ${api.requests.length} time(s), not twice`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      // A record at the boundary second arrives late, one is updated: both run; the overlap does not.
      rows.push({ id: 'd', updatedAt: '2026-01-01T00:00:07Z' }, { id: 'a', updatedAt: '2026-01-01T00:00:09Z' });
      const poller = createPoller({
        engine: weft.engine,
        store: weft.store,
        connections: weft.outbound.connections,
        dispatcher: weft.outbound.dispatcher,
        clock: { now: () => Date.now() },
        log: (await import('pino')).default({ level: 'silent' }),
        auditBodyBytes: 1000,
        redactFields: [],
      });
      const flow = weft.engine.flows().get('sync-records')!;
      const second = await poller.pollOnce(flow);
      assert.deepEqual({ records: second.records, accepted: second.accepted }, { records: 4, accepted: 2 }, 'b, c, d, a@9 read; only d and a@9 are new');
      assert.equal(second.cursor, '2026-01-01T00:00:09Z');
      const third = await poller.pollOnce(flow);
      assert.equal(third.accepted, 0, 'nothing new: the overlap is absorbed');
      assert.equal(third.hasMore, false);
      assert.equal((await settledRuns(weft, 'sync-records', 5)).succeeded, 5);
      const calls = await weft.store.listCalls({ limit: 10, now: Date.now() });
      assert.ok(calls.some((call) => call.stepPath === 'poll:records-updated' && call.status === 200), 'polls are in the audit log');

      // A backfill from an earlier start point reads everything again and commits nothing twice.
      const backfill = await poller.pollOnce(flow, { since: '2026-01-01T00:00:00Z' });
      assert.equal(backfill.accepted, 0);
    } finally {
      await weft.close();
    }
  });
});

/**
 * The records API again, two records a page (or `pageSize`), oldest first (or newest first):
 * `after` is where the next page starts. `serve` decides what each request gets: the page
 * (`answer`), later, or an error.
 */
function startPagedApi(
  rows: Row[],
  serve: (page: number, answer: () => void, response: ServerResponse) => void,
  { pageSize = 2, order = 'oldest-first' }: { pageSize?: number; order?: 'oldest-first' | 'newest-first' } = {},
) {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://records');
    const since = url.searchParams.get('updatedSince') ?? '';
    const found = rows.filter((row) => row.updatedAt >= since).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    if (order === 'newest-first') found.reverse();
    const start = Number(url.searchParams.get('after') ?? 0);
    const next = start + pageSize < found.length ? String(start + pageSize) : null;
    serve(start / pageSize, () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: found.slice(start, start + pageSize), next })), response);
  });
  return new Promise<{ url: string; server: Server }>((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

/**
 * The paged records API, its trigger's cursor computed by `rule` and its records' dedupe ids told
 * to `seen` (a test watching what the poller keeps).
 */
function pagedRecordsConnector(id: string, rule: PollCursorRule, seen: (item: Row) => void = () => {}): Connector {
  const trigger = defineTrigger({
    id: 'records-updated',
    name: 'Records created or updated',
    strategy: 'poll',
    output: recordsUpdated.output,
    poll: {
      cursor: 'timestamp',
      request: (since) => ({ method: 'GET', path: '/records', query: { updatedSince: since } }),
      pagination: cursor({ cursorParam: 'after', items: (body) => (body as { records: Row[] }).records, nextCursor: (body) => (body as { next: string | null }).next }),
      ...rule,
      dedupeId: (item) => {
        seen(item as Row);
        return `${(item as Row).id}@${(item as Row).updatedAt}`;
      },
    },
  });
  return defineConnector({ id, name: 'Paged records API', baseUrl: 'https://records.invalid', auth: [], actions: recordsApi.actions, triggers: [trigger] });
}

/** Its cursor: the last record's time, as an API that answers oldest first gives it. */
const pagedRecordsApi = pagedRecordsConnector('paged-records-api', { nextCursor: (items) => (items.at(-1) as Row | undefined)?.updatedAt });

const EIGHT_ROWS: Row[] = Array.from({ length: 8 }, (_, index) => ({ id: `r${index}`, updatedAt: `2026-01-01T00:00:0${index}Z` }));

/**
 * A poller of its own over an engine that runs nothing (as `weft backfill` has): no background
 * poll interferes, and the test chooses the store the poller sees and where its log goes.
 */
async function openPolling(connector: Connector, baseUrl: string, flowText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-poll-'));
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows', 'f.yaml'), flowText);
  const config = loadConfig({ cwd: dir, env: {}, overrides: { db: join(dir, 'weft.db'), flows: [join(dir, 'flows')], logLevel: 'silent', egressAllow: ['127.0.0.1'] } });
  const store = await openStore(config);
  await store.connections.put({ id: 'records', connectorId: connector.id, config: { baseUrl }, now: Date.now() });
  const outbound = openOutbound(config, store, [connector]);
  const expressions = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
  const { flows, diagnostics } = await loadFlows(config.flows, { engine: expressions, env: {} });
  assert.deepEqual(diagnostics, []);
  const silent = pino({ level: 'silent' });
  const { engine } = createConfiguredEngine(config, { store, outbound, log: silent, flows: [], concurrency: 1, role: 'test' });
  const logged: Array<{ msg: string; failures?: number }> = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const poller = (overrides: Partial<PollerOptions> = {}) =>
    createPoller({ engine, store, connections: outbound.connections, dispatcher: outbound.dispatcher, clock: { now: () => Date.now() }, log, auditBodyBytes: 1000, redactFields: [], ...overrides });
  return {
    store,
    flow: flows[0]!,
    poller,
    logged,
    async close() {
      await engine.stop(0);
      await Promise.all([expressions.close(), outbound.dispatcher.close()]);
      await store.close();
    },
  };
}

describe('poll failures', () => {
  const rows: Row[] = [{ id: 'a', updatedAt: '2026-01-01T00:00:05Z' }];
  let api: Awaited<ReturnType<typeof startRecordsApi>>;
  before(async () => {
    api = await startRecordsApi(rows);
  });
  after(() => api.server.close());

  it('logs an audit record the store refuses, once per interval, and the process lives on', { timeout: 30_000 }, async () => {
    const polling = await openPolling(recordsApi, api.url, FLOW);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // The store a poll's audit record goes to is full; the events still commit.
      const refusing = Object.assign(Object.create(polling.store), {
        recordCall: () => Promise.reject(new StoreUnavailableError('database or disk is full')),
      });
      const poller = polling.poller({ store: refusing });
      assert.equal((await poller.pollOnce(polling.flow)).accepted, 1);
      await poller.pollOnce(polling.flow);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      assert.deepEqual(
        polling.logged.map(({ msg, failures }) => ({ msg, failures })),
        [{ msg: 'poll.audit_failed', failures: 1 }],
        'the second refusal within the interval is counted, not logged',
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await polling.close();
    }
  });
});

describe('paginated polls', () => {
  it('gives each page its own request timeout, so a backlog longer than one timeout is read', { timeout: 30_000 }, async () => {
    const api = await startPagedApi(EIGHT_ROWS, (_page, answer) => setTimeout(answer, 200));
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      // Four pages of 200 ms each, 500 ms allowed per request: 800 ms in all.
      const outcome = await polling.poller({ requestTimeoutMs: 500 }).pollOnce(polling.flow);
      assert.deepEqual({ records: outcome.records, accepted: outcome.accepted, cursor: outcome.cursor }, { records: 8, accepted: 8, cursor: '2026-01-01T00:00:07Z' });
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), '2026-01-01T00:00:07Z');
    } finally {
      await polling.close();
      api.server.close();
    }
  });

  it('commits the pages read before a failing one, and moves the cursor only once the poll gets through', { timeout: 30_000 }, async () => {
    let failures = 1;
    const api = await startPagedApi(EIGHT_ROWS, (page, answer, response) => {
      if (page === 2 && failures-- > 0) response.writeHead(503).end();
      else answer();
    });
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      const poller = polling.poller();
      await assert.rejects(poller.pollOnce(polling.flow));
      assert.equal((await polling.store.countRuns('sync-records')).queued, 4, 'the first two pages are committed');
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), undefined, 'the cursor waits for the pages after them');

      const retried = await poller.pollOnce(polling.flow);
      assert.deepEqual({ records: retried.records, accepted: retried.accepted }, { records: 8, accepted: 4 }, 'the records read before are duplicates now');
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), '2026-01-01T00:00:07Z');
    } finally {
      await polling.close();
      api.server.close();
    }
  });

  it('ends a poll in progress when the poller stops', { timeout: 30_000 }, async () => {
    let asked: () => void = () => {};
    let abandoned: () => void = () => {};
    const secondPageAsked = new Promise<void>((resolve) => (asked = resolve));
    const hungUp = new Promise<void>((resolve) => (abandoned = resolve));
    const api = await startPagedApi(EIGHT_ROWS, (page, answer, response) => {
      if (page !== 1) return answer();
      // The second page never comes: the request ends only when the poller hangs up.
      response.on('close', abandoned);
      asked();
    });
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      const polls = polling.poller().start([polling.flow]);
      await secondPageAsked;
      polls.stop();
      await hungUp;
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(polling.logged, [], 'a stop is not a failed poll');
    } finally {
      await polling.close();
      api.server.closeAllConnections();
      api.server.close();
    }
  });
});

/** Records of an inventory: each item's dedupe id is its stock per location, which a record without `locations` cannot give. */
interface StockRow extends Row {
  locations?: Array<{ id: string; quantity: number }>;
}

const stockApi = defineConnector({
  ...recordsApi,
  id: 'stock-api',
  triggers: [
    defineTrigger({
      id: 'records-updated',
      name: 'Stock changed',
      strategy: 'poll',
      output: schema.Unknown(),
      poll: {
        ...recordsPoll,
        // As NetSuite's inventory trigger does: an item without locations makes it throw.
        dedupeId: (item) => `${(item as StockRow).id}@${[...(item as StockRow).locations!].map((at) => `${at.id}=${at.quantity}`).join(',')}`,
      },
    }),
  ],
});

describe('poll records the flow cannot key', () => {
  it("parks a record whose dedupe id cannot be read as a validation exception, commits the rest of its page and moves the cursor", { timeout: 30_000 }, async () => {
    const rows: StockRow[] = [
      { id: 'a', updatedAt: '2026-01-01T00:00:05Z', locations: [{ id: 'east', quantity: 3 }] },
      { id: 'b', updatedAt: '2026-01-01T00:00:06Z' },
      { id: 'c', updatedAt: '2026-01-01T00:00:07Z', locations: [{ id: 'east', quantity: 1 }] },
    ];
    const api = await startRecordsApi(rows);
    const polling = await openPolling(stockApi, api.url, FLOW);
    try {
      const poller = polling.poller();
      const outcome = await poller.pollOnce(polling.flow);
      assert.deepEqual({ records: outcome.records, accepted: outcome.accepted, parked: outcome.parked }, { records: 3, accepted: 3, parked: 1 });
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), '2026-01-01T00:00:07Z', 'the poison record does not hold the cursor back');
      assert.equal((await polling.store.countRuns('sync-records')).queued, 2);
      const [parked, ...others] = await polling.store.listExceptions({ flowId: 'sync-records' });
      assert.deepEqual(others, []);
      assert.equal(parked?.reason, 'validation');
      assert.match(parked?.message ?? '', /could not read this record's dedupe id: TypeError/);
      assert.deepEqual(parked?.input, rows[1], 'the record is kept as the input to replay');
      assert.deepEqual(polling.logged.map(({ msg }) => msg), ['poll.record_parked']);

      // Read again (its cursor is inclusive), it is a repeat, not one more exception.
      const again = await poller.pollOnce(polling.flow, { since: '2026-01-01T00:00:00Z' });
      assert.deepEqual({ accepted: again.accepted, parked: again.parked }, { accepted: 0, parked: 0 });
      assert.equal((await polling.store.listExceptions({ flowId: 'sync-records' })).length, 1);
    } finally {
      await polling.close();
      api.server.close();
    }
  });

  it('parks a record whose ordering key fails to evaluate, and commits the rest of its page with theirs', { timeout: 30_000 }, async () => {
    // A vendor that sends one id as a number: $substring refuses it.
    const rows = [
      { id: 'a1', updatedAt: '2026-01-01T00:00:05Z' },
      { id: 7 as unknown as string, updatedAt: '2026-01-01T00:00:06Z' },
      { id: 'c1', updatedAt: '2026-01-01T00:00:07Z' },
    ];
    const api = await startRecordsApi(rows);
    const polling = await openPolling(recordsApi, api.url, FLOW.replace('steps:', 'orderingKey: $substring(trigger.body.id, 0, 1)\nsteps:'));
    try {
      const outcome = await polling.poller().pollOnce(polling.flow);
      assert.deepEqual({ accepted: outcome.accepted, parked: outcome.parked }, { accepted: 3, parked: 1 });
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), '2026-01-01T00:00:07Z');
      const [parked] = await polling.store.listExceptions({ flowId: 'sync-records' });
      assert.equal(parked?.reason, 'validation');
      assert.match(parked?.message ?? '', /orderingKey \(\$substring\(trigger\.body\.id, 0, 1\)\) could not be evaluated/);
      assert.deepEqual(parked?.input, rows[1]);
      const queued = await polling.store.listRuns({ flowId: 'sync-records', status: 'queued' });
      assert.equal(queued.length, 2, 'the others are committed to run, in their order');
    } finally {
      await polling.close();
      api.server.close();
    }
  });
});

/** A pagination that never ends: every page has two records and a next page after it. */
function startEndlessApi(next: (page: number) => string) {
  let requests = 0;
  const server = createServer((request, response) => {
    // A guard for the test itself: a poll that does not stop fails here instead of running on.
    if (++requests > 50) return void response.writeHead(500).end();
    const page = Number(new URL(request.url ?? '/', 'http://records').searchParams.get('after') ?? 0);
    const records = [0, 1].map((offset) => ({ id: `r${page * 2 + offset}`, updatedAt: `2026-01-01T00:00:${String(page).padStart(2, '0')}Z` }));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records, next: next(page) }));
  });
  return new Promise<{ url: string; server: Server; requests: () => number }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests: () => requests })),
  );
}

describe('polls whose pagination does not end', () => {
  it('ends a poll at its page limit: the pages read are committed, the cursor stays, and the loop logs it', { timeout: 30_000 }, async () => {
    const api = await startEndlessApi((page) => String(page + 1));
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      const poller = polling.poller({ maxPagesPerPoll: 5 });
      await assert.rejects(poller.pollOnce(polling.flow), { code: 'ERR_POLL_PAGE_LIMIT' });
      assert.equal(api.requests(), 5, 'no page past the limit is asked for');
      assert.equal((await polling.store.countRuns('sync-records')).queued, 10, 'the five pages read are committed');
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), undefined, 'a cursor from part of a poll could pass records');

      const polls = poller.start([polling.flow]);
      try {
        for (const deadline = Date.now() + 10_000; polling.logged.length === 0; ) {
          if (Date.now() > deadline) throw new Error('the poll loop logged nothing');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        polls.stop();
      }
      assert.deepEqual(polling.logged.map(({ msg }) => msg), ['poll.page_limit']);
    } finally {
      await polling.close();
      api.server.close();
    }
  });

  it('says once an interval, not every poll, that a flow is stuck at its page limit, and that `weft backfill` gets it past', { timeout: 30_000 }, async () => {
    const api = await startEndlessApi((page) => String(page + 1));
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW.replace('every: 1h', 'every: 20ms'));
    let now = Date.now();
    const polls = polling.poller({ maxPagesPerPoll: 2, clock: { now: () => now } }).start([polling.flow]);
    const pageLimits = () => polling.logged.filter(({ msg }) => msg === 'poll.page_limit') as Array<{ msg: string; polls?: number; fix?: string }>;
    const untilRequests = async (count: number) => {
      for (const deadline = Date.now() + 10_000; api.requests() < count; ) {
        if (Date.now() > deadline) throw new Error(`the API was asked ${api.requests()} times, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      await untilRequests(8);
      assert.equal(pageLimits().length, 1, 'four polls stopped at their limit, one line');
      assert.equal(pageLimits()[0]?.polls, 1);
      assert.match(pageLimits()[0]?.fix ?? '', /run `weft backfill sync-records`/);
      now += 3_600_000;
      await untilRequests(api.requests() + 2);
      await untilRequests(api.requests() + 2);
      assert.equal(pageLimits().length, 2, 'an hour on, one more line');
      assert.ok((pageLimits()[1]?.polls ?? 0) > 1, 'counting the polls since the last');
    } finally {
      polls.stop();
      await polling.close();
      api.server.close();
    }
  });

  it('reads a poll of exactly its page limit to the end', { timeout: 30_000 }, async () => {
    const api = await startPagedApi(EIGHT_ROWS, (_page, answer) => answer());
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      const outcome = await polling.poller({ maxPagesPerPoll: 4 }).pollOnce(polling.flow);
      assert.deepEqual({ records: outcome.records, cursor: outcome.cursor }, { records: 8, cursor: '2026-01-01T00:00:07Z' });
    } finally {
      await polling.close();
      api.server.close();
    }
  });

  it('ends a poll whose next page repeats one it read, with the cursor where it was', { timeout: 30_000 }, async () => {
    const api = await startEndlessApi(() => '1');
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      await assert.rejects(polling.poller().pollOnce(polling.flow), /repeated itself/);
      assert.equal(api.requests(), 2);
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), undefined);
    } finally {
      await polling.close();
      api.server.close();
    }
  });
});

describe('weft backfill', () => {
  it('reads past the page limit of scheduled polls to the end, and moves the cursor', { timeout: 30_000 }, async () => {
    const api = await startPagedApi(EIGHT_ROWS, (_page, answer) => answer());
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      // Scheduled polls of this poller stop at two pages (standing in for MAX_PAGES_PER_POLL); the backlog is four.
      const poller = polling.poller({ maxPagesPerPoll: 2 });
      await assert.rejects(poller.pollOnce(polling.flow), { code: 'ERR_POLL_PAGE_LIMIT' });
      const read = await backfillPolls(poller, polling.flow, { since: '2026-01-01T00:00:00Z', maxPolls: 10 });
      assert.ok(read.records >= 8, `${read.records} records read`);
      assert.equal(read.accepted, 4, 'the four records past the pages the scheduled poll read');
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), '2026-01-01T00:00:07Z');
    } finally {
      await polling.close();
      api.server.close();
    }
  });

  it('stops at --max-pages when given, with the cursor where it was, and says how to read on', { timeout: 30_000 }, async () => {
    const api = await startPagedApi(EIGHT_ROWS, (_page, answer) => answer());
    const polling = await openPolling(pagedRecordsApi, api.url, FLOW);
    try {
      await assert.rejects(backfillPolls(polling.poller(), polling.flow, { maxPolls: 10, maxPages: 3 }), (error: Error) => {
        assert.ok(error instanceof CliError);
        assert.match(error.message, /^backfill sync-records stopped at --max-pages 3: .*read 3 pages .*Run it again with a higher --max-pages, or without it/);
        return true;
      });
      assert.equal((await polling.store.countRuns('sync-records')).queued, 6, 'the pages read are committed');
      assert.equal(await polling.store.pollCursor('sync-records:records:records-updated'), undefined);
    } finally {
      await polling.close();
      api.server.close();
    }
  });
});

const POLL_CURSOR_KEY = 'sync-records:records:records-updated';

/** As connectors wrote it before `cursorAfter`: the newest timestamp of every record of the poll, whatever their order. */
const NEWEST_OF_THE_POLL: PollCursorRule = { nextCursor: (items) => (items as Row[]).map((row) => row.updatedAt).sort().at(-1) };
/** The same cursor, record by record: the later of the two. */
const LATER_OF_THE_TWO: PollCursorRule = {
  cursorAfter: (soFar, item) => {
    const { updatedAt } = item as Row;
    return soFar === undefined || updatedAt > soFar ? updatedAt : soFar;
  },
};

describe('cursors computed record by record (cursorAfter)', () => {
  // Five pages of two, sharing seconds across page boundaries; the newest second twice.
  const rows: Row[] = ['03', '01', '05', '05', '02', '09', '07', '09', '04'].map((second, index) => ({ id: `r${index}`, updatedAt: `2026-01-01T00:00:${second}Z` }));

  for (const order of ['oldest-first', 'newest-first'] as const) {
    it(`leave the cursor nextCursor leaves from the whole poll, over a poll of many pages ${order}`, { timeout: 30_000 }, async () => {
      const outcomes: Record<string, { records: number; cursor: string | undefined; stored: string | undefined }> = {};
      for (const [name, rule] of [['nextCursor', NEWEST_OF_THE_POLL], ['cursorAfter', LATER_OF_THE_TWO]] as const) {
        const api = await startPagedApi(rows, (_page, answer) => answer(), { order });
        const polling = await openPolling(pagedRecordsConnector('probed-records-api', rule), api.url, FLOW);
        try {
          const outcome = await polling.poller().pollOnce(polling.flow);
          outcomes[name] = { records: outcome.records, cursor: outcome.cursor, stored: await polling.store.pollCursor(POLL_CURSOR_KEY) };
        } finally {
          await polling.close();
          api.server.close();
        }
      }
      assert.deepEqual(outcomes.cursorAfter, outcomes.nextCursor);
      assert.deepEqual(outcomes.cursorAfter, { records: 9, cursor: '2026-01-01T00:00:09Z', stored: '2026-01-01T00:00:09Z' });
    });
  }
});

/**
 * A full garbage collection on demand, as `--expose-gc` gives it, in this test file's process
 * alone: what it leaves behind a WeakRef is held by something, which is what the test asks.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('polls that hold one page at a time', () => {
  const PAGE_SIZE = 50;
  const PAGES = 12;
  const rows: Row[] = Array.from({ length: PAGE_SIZE * PAGES }, (_, index) => ({ id: `r${index}`, updatedAt: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString().replace('.000Z', 'Z') }));

  /**
   * Backfills the rows, oldest first; as the API is asked for each page from the third on, after
   * a full collection, counts the records of the pages two or more before it that are still
   * alive. The poll holds the page it is reading and maybe the one before; none before that.
   */
  async function recordsAliveBehindThePoll(rule: PollCursorRule): Promise<number[]> {
    const records: Array<{ index: number; record: WeakRef<Row> }> = [];
    const connector = pagedRecordsConnector('probed-records-api', rule, (item) => records.push({ index: Number(item.id.slice(1)), record: new WeakRef(item) }));
    const alive: number[] = [];
    const api = await startPagedApi(
      rows,
      (page, answer) => {
        if (page >= 2) {
          collectGarbage();
          alive.push(records.filter(({ index, record }) => index < (page - 1) * PAGE_SIZE && record.deref() !== undefined).length);
        }
        answer();
      },
      { pageSize: PAGE_SIZE },
    );
    const polling = await openPolling(connector, api.url, FLOW);
    try {
      const read = await backfillPolls(polling.poller(), polling.flow, { since: '2026-01-01T00:00:00Z', maxPolls: 3 });
      assert.equal(read.accepted, rows.length);
      assert.equal(await polling.store.pollCursor(POLL_CURSOR_KEY), rows.at(-1)!.updatedAt);
      assert.equal(records.filter(({ index }) => index < PAGE_SIZE * (PAGES - 1)).length, PAGE_SIZE * (PAGES - 1), 'every record was seen');
      return alive;
    } finally {
      await polling.close();
      api.server.close();
    }
  }

  it('lets each page of a backfill go once the next is read, with cursorAfter or cursorFromLastPage', { timeout: 60_000 }, async () => {
    const noneAlive = Array.from({ length: PAGES - 2 }, () => 0);
    assert.deepEqual(await recordsAliveBehindThePoll(LATER_OF_THE_TWO), noneAlive);
    assert.deepEqual(await recordsAliveBehindThePoll({ cursorFromLastPage: (body) => (body as { records: Row[] }).records.at(-1)?.updatedAt }), noneAlive);
  });

  it('keeps every record of the poll with nextCursor, which asks for them all at the end (and shows the count above can fail)', { timeout: 60_000 }, async () => {
    const everyPageBefore = Array.from({ length: PAGES - 2 }, (_, page) => (page + 1) * PAGE_SIZE);
    assert.deepEqual(await recordsAliveBehindThePoll(NEWEST_OF_THE_POLL), everyPageBefore);
  });
});
