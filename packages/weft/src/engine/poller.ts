import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { pages, type Page, type Trigger } from '@weft/sdk';
import type { Clock } from '../core/clock.ts';
import { toMs } from '../core/duration.ts';
import { keyText, sha256Hex } from '../core/ids.ts';
import { createLogThrottle } from '../core/log-throttle.ts';
import { CapacityWaitError, createConnectorHttpClient } from '../connectors/connector-http.ts';
import type { ConnectionRuntime } from '../connectors/connection-runtime.ts';
import type { PollTrigger } from '../flows/flow-schema.ts';
import type { LoadedFlow } from '../flows/load-flow.ts';
import type { NewCallRecord, Store } from '../store/store.ts';
import { ExpressionError } from '../transforms/expression.ts';
import type { Engine, IncomingEvent } from './engine.ts';

export interface PollOutcome {
  records: number;
  /** New events committed, the parked ones included. */
  accepted: number;
  /** New events whose run was parked at once as a `validation` exception (a record the flow cannot key). */
  parked: number;
  cursor: string | undefined;
  /** The cursor moved and records came: there may be more right away (a backlog, a backfill). */
  hasMore: boolean;
  /** How often the connector's trigger asks to be polled, when it says. */
  triggerIntervalMs: number | undefined;
}

export interface PollerOptions {
  engine: Engine;
  store: Store;
  connections: ConnectionRuntime;
  dispatcher: Dispatcher;
  clock: Clock;
  log: Logger;
  auditBodyBytes: number;
  redactFields: string[];
  /** How long each request of a poll (one page) may take; default 60 s. */
  requestTimeoutMs?: number;
  /** The most pages a scheduled poll reads; default MAX_PAGES_PER_POLL. */
  maxPagesPerPoll?: number;
}

const DEFAULT_INTERVAL_MS = 60_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** The signal of a poll nothing stops (`weft backfill`): its requests have deadlines, the poll none. */
const NEVER_ABORTED = new AbortController().signal;
const AUDIT_FAILURE_LOG_INTERVAL_MS = 10_000;
/**
 * A flow whose polls stop at their page limit does so on every poll, its cursor unmoved, until an
 * operator acts: the first is logged at once, then one line an hour with the count.
 */
const PAGE_LIMIT_LOG_INTERVAL_MS = 3_600_000;
/**
 * The most pages a scheduled poll reads. A vendor whose pagination never ends (a next cursor
 * that never repeats, or millions of pages) would otherwise hold one poll forever (and, for a
 * trigger written against `nextCursor`, every record it read). `weft backfill` has no limit: an
 * operator asked for it.
 */
export const MAX_PAGES_PER_POLL = 1_000;

export class PollTriggerError extends Error {
  readonly code = 'ERR_POLL_TRIGGER';
}

/**
 * A poll that read its page limit and still had pages to go. What it read is committed; its
 * cursor stays: a poll's cursor is computed from all of its records, and from part of them it
 * can pass records on the pages not read (a newest-first API's newest record is on its first
 * page), so the next poll reads from the same cursor again.
 */
export class PollPageLimitError extends Error {
  readonly code = 'ERR_POLL_PAGE_LIMIT';
  constructor(
    readonly flowId: string,
    readonly maxPages: number,
  ) {
    super(
      `the poll of flow '${flowId}' read ${maxPages} pages and the API still had more: their records are committed, but the cursor was not moved ` +
        '(a cursor computed from part of a poll can pass records on the pages not read), so the next poll reads the same pages again',
    );
  }
}

/**
 * Poll triggers: ask the connector for records changed since the stored cursor, commit each as
 * an event (deduplicated per record version, so the overlap a timestamp cursor needs never runs
 * twice), page by page, and advance the cursor once every page it covers is committed.
 */
export type Poller = ReturnType<typeof createPoller>;

export function createPoller(options: PollerOptions) {
  const { store, clock } = options;
  const auditFailures = createLogThrottle(clock, AUDIT_FAILURE_LOG_INTERVAL_MS);
  /** Per flow, and kept across restarts of the polls (a switch, a reload): see PAGE_LIMIT_LOG_INTERVAL_MS. */
  const pageLimitLogs = new Map<string, ReturnType<typeof createLogThrottle>>();

  /** A scheduled poll stopped at its page limit: says so, and what to do, once an interval per flow. */
  function logPageLimit(error: PollPageLimitError): void {
    let throttle = pageLimitLogs.get(error.flowId);
    if (throttle === undefined) pageLimitLogs.set(error.flowId, (throttle = createLogThrottle(clock, PAGE_LIMIT_LOG_INTERVAL_MS)));
    const polls = throttle.occurred();
    if (polls === undefined) return;
    const fix =
      `run \`weft backfill ${error.flowId}\`: it reads the backlog to its end, with no page limit, and moves the cursor past it, so the polls carry on from there; ` +
      "if the pages never end, the connector's pagination is at fault";
    options.log.warn({ err: error, flowId: error.flowId, maxPages: error.maxPages, polls, fix }, 'poll.page_limit');
  }

  /**
   * Nobody awaits a poll's audit record (it is kept after the answer was read), so a store that
   * refuses it (full, closing at shutdown) loses that record and says so; unhandled, the
   * rejection would end the process and every run in flight.
   */
  function recordPollCall(call: NewCallRecord): void {
    store.recordCall(call).catch((error: unknown) => {
      const failures = auditFailures.occurred();
      if (failures !== undefined) options.log.warn({ err: error, failures }, 'poll.audit_failed');
    });
  }

  /**
   * `signal` ends the poll early (a stop); what it committed stays, the cursor does not move.
   * `maxPages` replaces the poller's page limit for this poll (Infinity: none, as `weft backfill` asks).
   */
  async function pollOnce(flow: LoadedFlow, overrides: { since?: string; signal?: AbortSignal; maxPages?: number } = {}): Promise<PollOutcome> {
    const spec = pollSpecOf(flow);
    const resolved = await options.connections.resolve(spec.connection);
    const trigger = resolved.connector.triggers.find((candidate) => candidate.id === spec.trigger);
    if (!trigger || trigger.strategy !== 'poll') {
      throw new PollTriggerError(`connector '${resolved.connector.id}' has no poll trigger '${spec.trigger}'`);
    }
    const key = cursorKey(flow, spec);
    const cursor = overrides.since ?? (await store.pollCursor(key)) ?? spec.since;
    const http = createConnectorHttpClient({
      connector: resolved.connector,
      limiter: resolved.limiter,
      connection: resolved.connection.id,
      baseUrl: resolved.baseUrl,
      auth: resolved.auth,
      dispatcher: options.dispatcher,
      clock,
      // Each page's request has its own deadline, the poll none: a backlog of many pages (a
      // catch-up newest first down to the cursor, which can only move after the last page) is
      // read to the end instead of being cut short, and thrown away, on every poll.
      signal: overrides.signal ?? NEVER_ABORTED,
      timeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      // A poll only reads: one cut short by a stop changed nothing at the vendor and is asked again
      // (its cursor did not move), so it is recorded whole once answered, not before it leaves.
      audit: async (request) => ({
        answered: (answer, sentAt) => recordPollCall({ ...request, at: sentAt, ...answer, flowId: flow.flow.id, runId: '', stepPath: `poll:${spec.trigger}`, attempt: 1 }),
        unsent: () => {},
      }),
      auditBodyBytes: options.auditBodyBytes,
      redactFields: options.redactFields,
    });
    /**
     * One page's records. One the flow cannot key (its dedupe id or ordering key fails on it) is
     * committed on its own and parked as a validation exception, so it neither fails the page
     * (the poll would be stuck on it forever) nor is lost.
     */
    const commitPage = async (records: unknown[]): Promise<{ accepted: number; parked: number }> => {
      const events = await Promise.all(records.map((item) => pollEvent(flow, trigger, item)));
      const outcomes = await options.engine.acceptBatch(flow, events.filter((event) => event.refused === undefined));
      let accepted = outcomes.filter((outcome) => outcome.status === 'accepted').length;
      let parked = 0;
      for (const event of events) {
        if (event.refused === undefined) continue;
        const outcome = await options.engine.accept(flow, event);
        if (outcome.status !== 'accepted') continue;
        accepted++;
        parked++;
        options.log.warn({ flowId: flow.flow.id, runId: outcome.runId, dedupeKey: event.dedupeKey, why: event.refused }, 'poll.record_parked');
      }
      return { accepted, parked };
    };
    // Each page's events commit before the next page is asked for, so a poll that fails part-way
    // keeps what it read and the next one acknowledges those records as duplicates. The page
    // then goes into the cursor and is let go: a poll holds one page at a time, unless its
    // trigger computes the cursor with `nextCursor`, from every record of the poll.
    const pollCursor = foldPollCursor(trigger);
    let records = 0;
    let accepted = 0;
    let parked = 0;
    const maxPages = overrides.maxPages ?? options.maxPagesPerPoll ?? MAX_PAGES_PER_POLL;
    for await (const page of fetchPages(flow.flow.id, trigger, cursor, http, maxPages)) {
      if (page.items.length > 0) {
        const committed = await commitPage(page.items);
        accepted += committed.accepted;
        parked += committed.parked;
      }
      pollCursor.read(page);
      records += page.items.length;
    }
    const next = pollCursor.next() ?? cursor;
    // Only now: the cursor never moves past a record whose event is not committed, and a poll cut
    // short (its page limit, a stop, a failed page) has thrown before it moves at all.
    if (next !== undefined) await options.engine.acceptBatch(flow, [], { key, value: next });
    return { records, accepted, parked, cursor: next, hasMore: records > 0 && next !== cursor, triggerIntervalMs: trigger.poll.intervalMs };
  }

  /**
   * A record as an event, keyed as the engine will key it; `refused` says why the flow cannot key
   * it. The ordering key is evaluated here once more (the engine evaluates it again as it commits)
   * because the engine's batch fails as a whole on one record's expression error.
   */
  async function pollEvent(flow: LoadedFlow, trigger: PollTriggerOf, item: unknown): Promise<IncomingEvent> {
    const event = { source: 'poll' as const, headers: {}, query: {}, body: item };
    // Keyed by its content when it has no id: a refused record polled again is a repeat, not one more exception.
    const contentHash = () => sha256Hex(JSON.stringify(item));
    let dedupeId: string | undefined;
    try {
      dedupeId = trigger.poll.dedupeId(item);
    } catch (error) {
      return { ...event, dedupeKey: `poll:${contentHash()}`, refused: `The poll trigger '${trigger.id}' could not read this record's dedupe id: ${messageOf(error)}. Replay it once the record or the connector is fixed.` };
    }
    const incoming: IncomingEvent = { ...event, dedupeKey: `poll:${keyText(dedupeId ?? contentHash())}` };
    const { orderingKey } = flow.flow;
    if (orderingKey === undefined) return incoming;
    try {
      // The scope the engine gives it (an event not yet committed has no id).
      const receivedAt = new Date(clock.now()).toISOString();
      await flow.expression(orderingKey).evaluate({ trigger: { id: '', receivedAt, ...event }, steps: {} });
      return incoming;
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      return { ...incoming, refused: `The flow's orderingKey (${orderingKey}) could not be evaluated for this record: ${error.message}. Replay it once the record or the flow is fixed.` };
    }
  }

  function start(flows: Iterable<LoadedFlow>): { stop(): void } {
    /** Each flow's next poll: one timer a flow, replaced by the next. */
    const timers = new Map<string, NodeJS.Timeout>();
    // A poll has no deadline as a whole, so a stop (shutdown, `weft dev` reloading) ends one in
    // progress rather than leaving it to read a long backlog next to its successor.
    const stopping = new AbortController();
    for (const flow of flows) {
      if (!('poll' in flow.flow.trigger)) continue;
      const spec = flow.flow.trigger.poll;
      // The flow's `every`, else the interval the connector's trigger declares (known once a poll
      // has resolved it), else a minute.
      let intervalMs = spec.every === undefined ? DEFAULT_INTERVAL_MS : toMs(spec.every);
      const loop = async () => {
        let delay = intervalMs;
        try {
          const outcome = await pollOnce(flow, { signal: stopping.signal });
          if (spec.every === undefined && outcome.triggerIntervalMs !== undefined) delay = intervalMs = outcome.triggerIntervalMs;
          // A backlog drains at once instead of one page per interval.
          if (outcome.hasMore) delay = 0;
        } catch (error) {
          if (stopping.signal.aborted) return;
          if (error instanceof CapacityWaitError) delay = Math.max(0, error.until - clock.now());
          else if (error instanceof PollPageLimitError) logPageLimit(error);
          else options.log.warn({ err: error, flowId: flow.flow.id }, 'poll.failed');
        }
        if (stopping.signal.aborted) return;
        const timer = setTimeout(() => void loop(), delay);
        timer.unref();
        timers.set(flow.flow.id, timer);
      };
      void loop();
    }
    return {
      stop() {
        stopping.abort();
        for (const timer of timers.values()) clearTimeout(timer);
      },
    };
  }

  return { pollOnce, start };
}

function pollSpecOf(flow: LoadedFlow): PollTrigger {
  if (!('poll' in flow.flow.trigger)) throw new PollTriggerError(`flow '${flow.flow.id}' has no poll trigger`);
  return flow.flow.trigger.poll;
}

/** One cursor per flow, connection and trigger: pointing a flow elsewhere starts afresh. */
function cursorKey(flow: LoadedFlow, spec: PollTrigger): string {
  return `${flow.flow.id}:${spec.connection}:${spec.trigger}`;
}

type PollTriggerOf = Extract<Trigger, { strategy: 'poll' }>;

/**
 * The cursor a poll leaves, as its pages are read, by the trigger's rule: `cursorAfter` folds it
 * record by record and `cursorFromLastPage` reads the last page alone, so neither keeps a page
 * once the next is read; only `nextCursor`, which wants every record of the poll at once,
 * makes the records pile up until the last page. Undefined: keep the previous cursor.
 */
function foldPollCursor(trigger: PollTriggerOf): { read(page: { items: unknown[]; body: unknown }): void; next(): string | undefined } {
  const { poll } = trigger;
  if (poll.cursorAfter !== undefined) {
    const { cursorAfter } = poll;
    let soFar: string | undefined;
    return {
      read: (page) => {
        for (const item of page.items) soFar = cursorAfter(soFar, item);
      },
      next: () => soFar,
    };
  }
  if (poll.cursorFromLastPage !== undefined) {
    const { cursorFromLastPage } = poll;
    let lastPage: { body: unknown } | undefined;
    return {
      read: (page) => {
        lastPage = { body: page.body };
      },
      next: () => (lastPage === undefined ? undefined : cursorFromLastPage(lastPage.body)),
    };
  }
  const { nextCursor } = poll;
  const items: unknown[] = [];
  let lastBody: unknown;
  return {
    read: (page) => {
      for (const item of page.items) items.push(item);
      lastBody = page.body;
    },
    next: () => nextCursor(items, lastBody),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The poll's pages in the order the API gives them; a trigger without pagination has one. A
 * next page that repeats one already read fails the poll (`pages` checks); one past `maxPages`
 * fails it with PollPageLimitError once the pages before it are committed.
 */
async function* fetchPages(
  flowId: string,
  trigger: PollTriggerOf,
  cursor: string | undefined,
  http: ReturnType<typeof createConnectorHttpClient>,
  maxPages: number,
): AsyncGenerator<{ items: unknown[]; body: unknown }, void, undefined> {
  const first = trigger.poll.request(cursor);
  const { pagination } = trigger.poll;
  if (pagination) {
    let last: Page | undefined;
    for await (const page of pages(pagination, first, (request) => http.request(request), { maxPages })) {
      yield { items: page.items, body: page.response.body };
      last = page;
    }
    // `pages` stops quietly at maxPages: asked as it would ask, is there a page after the last?
    if (last !== undefined && last.index === maxPages - 1 && last.items.length > 0 && pagination.next(last) !== undefined) {
      throw new PollPageLimitError(flowId, maxPages);
    }
    return;
  }
  const response = await http.request(first);
  yield { items: trigger.poll.items ? trigger.poll.items(response.body) : [], body: response.body };
}
