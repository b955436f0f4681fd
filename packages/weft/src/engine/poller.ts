import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { pages, type Trigger } from '@weft/sdk';
import type { Clock } from '../core/clock.ts';
import { toMs } from '../core/duration.ts';
import { keyText, sha256Hex } from '../core/ids.ts';
import { createLogThrottle } from '../core/log-throttle.ts';
import { CapacityWaitError, createConnectorHttpClient } from '../connectors/connector-http.ts';
import type { ConnectionRuntime } from '../connectors/connection-runtime.ts';
import type { PollTrigger } from '../flows/flow-schema.ts';
import type { LoadedFlow } from '../flows/load-flow.ts';
import type { NewCallRecord, Store } from '../store/store.ts';
import type { Engine, IncomingEvent } from './engine.ts';

export interface PollOutcome {
  records: number;
  accepted: number;
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
}

const DEFAULT_INTERVAL_MS = 60_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** The signal of a poll nothing stops (`weft backfill`): its requests have deadlines, the poll none. */
const NEVER_ABORTED = new AbortController().signal;
const AUDIT_FAILURE_LOG_INTERVAL_MS = 10_000;

export class PollTriggerError extends Error {
  readonly code = 'ERR_POLL_TRIGGER';
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

  /** `signal` ends the poll early (a stop); what it committed stays, the cursor does not move. */
  async function pollOnce(flow: LoadedFlow, overrides: { since?: string; signal?: AbortSignal } = {}): Promise<PollOutcome> {
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
    const commit = async (records: unknown[], next?: string): Promise<number> => {
      const incoming: IncomingEvent[] = records.map((item) => ({
        source: 'poll',
        headers: {},
        query: {},
        body: item,
        dedupeKey: `poll:${keyText(trigger.poll.dedupeId(item) ?? sha256Hex(JSON.stringify(item)))}`,
      }));
      const outcomes = await options.engine.acceptBatch(flow, incoming, next === undefined ? undefined : { key, value: next });
      return outcomes.filter((outcome) => outcome.status === 'accepted').length;
    };
    // nextCursor reads every record of the poll (a newest-first API's cursor is known only after
    // the last page), so they are kept; their events commit page by page, before the next page
    // is asked for, so a poll that fails part-way keeps what it read and the next one
    // acknowledges those records as duplicates.
    const items: unknown[] = [];
    let lastBody: unknown;
    let accepted = 0;
    for await (const page of fetchPages(trigger, cursor, http)) {
      if (page.items.length > 0) accepted += await commit(page.items);
      items.push(...page.items);
      lastBody = page.body;
    }
    const next = trigger.poll.nextCursor(items, lastBody) ?? cursor;
    // Only now: the cursor never moves past a record whose event is not committed.
    if (next !== undefined) await commit([], next);
    return { records: items.length, accepted, cursor: next, hasMore: items.length > 0 && next !== cursor, triggerIntervalMs: trigger.poll.intervalMs };
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

/** The poll's pages in the order the API gives them; a trigger without pagination has one. */
async function* fetchPages(
  trigger: Extract<Trigger, { strategy: 'poll' }>,
  cursor: string | undefined,
  http: ReturnType<typeof createConnectorHttpClient>,
): AsyncGenerator<{ items: unknown[]; body: unknown }, void, undefined> {
  const first = trigger.poll.request(cursor);
  if (trigger.poll.pagination) {
    for await (const page of pages(trigger.poll.pagination, first, (request) => http.request(request))) {
      yield { items: page.items, body: page.response.body };
    }
    return;
  }
  const response = await http.request(first);
  yield { items: trigger.poll.items ? trigger.poll.items(response.body) : [], body: response.body };
}
