import type { Reason } from '../../core/exception.ts';
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { ActivitySummary, CallStatusClass, EventSummary, ExceptionGroup, MinuteActivity, OperationsStore, Page } from '../store.ts';
import type { PostgresAccess } from './postgres-access.ts';
import { callColumns, toCallRecord, toExceptionRecord, toRunSummary, type CallRow, type ExceptionRow, type RunRow } from './postgres-rows.ts';

const MINUTE_MS = 60_000;

const SUMMARY_COLUMNS = `r.seq, r.id, r.flow_id, r.event_id, r.status, r.ordering_key, r.due_at, r.fence,
  r.attempt_path, r.attempt_count, r.attempt_first_at, r.last_error, r.input_override,
  r.created_at, r.updated_at, r.finished_at`;

const STATUS_CLASS: Record<CallStatusClass, string> = {
  '2xx': 'status BETWEEN 200 AND 299',
  '3xx': 'status BETWEEN 300 AND 399',
  '4xx': 'status BETWEEN 400 AND 499',
  '5xx': 'status >= 500',
  error: 'status IS NULL',
};

/** A WHERE clause and its positional parameters, built from the filters that are set. */
class Conditions {
  readonly clauses: string[] = [];
  readonly values: unknown[] = [];
  /** `clause` names its parameters `?`; they become $n in order. */
  add(clause: string, ...values: unknown[]): void {
    let next = 0;
    this.clauses.push(clause.replace(/\?/g, () => `$${this.values.push(values[next++])}`));
  }
  get where(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
  /** The next free parameter, for LIMIT. */
  param(value: unknown): string {
    return `$${this.values.push(value)}`;
  }
}

/** Reads one row more than the page holds: its presence is what says there is a next page. */
function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, cursorOf: (row: Row) => string): Page<Item> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(toItem), nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Nearest rank over ascending values. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export function createPostgresOperations({ query }: PostgresAccess): OperationsStore {
  return {
    pageRuns: async (filter) => {
      const c = new Conditions();
      if (filter.flowId !== undefined) c.add('r.flow_id = ?', filter.flowId);
      if (filter.status !== undefined) c.add('r.status = ?', filter.status);
      if (filter.q !== undefined) c.add('? IN (r.id, r.event_id, r.ordering_key)', filter.q);
      if (filter.cursor !== undefined) c.add('r.seq < ?', decodeCursor('runs', filter.cursor, ['number'])[0]);
      const rows = await query<RunRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs r ${c.where} ORDER BY r.seq DESC LIMIT ${c.param(filter.limit + 1)}`, c.values);
      return toPage(rows, filter.limit, toRunSummary, (row) => encodeCursor('runs', [row.seq]));
    },

    pageEvents: async (filter) => {
      // Through runs: an event and its run are created together, and runs carry the creation order and the flow index.
      const c = new Conditions();
      if (filter.flowId !== undefined) c.add('r.flow_id = ?', filter.flowId);
      if (filter.cursor !== undefined) c.add('r.seq < ?', decodeCursor('events', filter.cursor, ['number'])[0]);
      const rows = await query<{ seq: number; id: string; flow_id: string; run_id: string; source: EventSummary['source']; received_at: number; dedupe_key: string }>(
        `SELECT r.seq, e.id, e.flow_id, r.id AS run_id, e.payload::json ->> 'source' AS source, e.received_at, e.dedupe_key
         FROM runs r JOIN events e ON e.id = r.event_id ${c.where} ORDER BY r.seq DESC LIMIT ${c.param(filter.limit + 1)}`,
        c.values,
      );
      return toPage(
        rows,
        filter.limit,
        (row): EventSummary => ({ id: row.id, flowId: row.flow_id, runId: row.run_id, source: row.source, receivedAt: row.received_at, dedupeKey: row.dedupe_key }),
        (row) => encodeCursor('events', [row.seq]),
      );
    },

    pageExceptions: async (filter) => {
      const c = new Conditions();
      if (filter.flowId !== undefined) c.add('flow_id = ?', filter.flowId);
      if (filter.reason !== undefined) c.add('reason = ?', filter.reason);
      if (filter.status !== undefined) c.add('status = ?', filter.status);
      if (filter.cursor !== undefined) {
        const [afterAt, afterId] = decodeCursor('exceptions', filter.cursor, ['number', 'string']);
        c.add('(created_at, id COLLATE "C") > (?::bigint, ?::text COLLATE "C")', afterAt, afterId);
      }
      const rows = await query<ExceptionRow>(`SELECT * FROM exceptions ${c.where} ORDER BY created_at, id COLLATE "C" LIMIT ${c.param(filter.limit + 1)}`, c.values);
      return toPage(rows, filter.limit, toExceptionRecord, (row) => encodeCursor('exceptions', [row.created_at, row.id]));
    },

    exceptionGroups: async (filter) => {
      const rows = await query<{ flow_id: string; reason: Reason; n: number; oldest_at: number }>(
        `SELECT flow_id, reason, count(*) AS n, min(created_at) AS oldest_at FROM exceptions WHERE ($1::text IS NULL OR status = $1)
         GROUP BY flow_id, reason ORDER BY oldest_at, flow_id COLLATE "C", reason COLLATE "C"`,
        [filter.status ?? null],
      );
      return rows.map((row): ExceptionGroup => ({ flowId: row.flow_id, reason: row.reason, count: row.n, oldestAt: row.oldest_at }));
    },

    pageCalls: async (filter) => {
      const c = new Conditions();
      if (filter.runId !== undefined) c.add('run_id = ?', filter.runId);
      if (filter.connection !== undefined) c.add('connection = ?', filter.connection);
      if (filter.status !== undefined) c.add(STATUS_CLASS[filter.status]);
      if (filter.q !== undefined) {
        const pattern = c.param(`%${escapeLike(filter.q)}%`);
        c.clauses.push(`(url LIKE ${pattern} OR request_body LIKE ${pattern} OR response_body LIKE ${pattern})`);
      }
      if (filter.from !== undefined) c.add('at >= ?', filter.from);
      if (filter.to !== undefined) c.add('at <= ?', filter.to);
      if (filter.answered !== undefined) c.add(`awaiting_answer = ${filter.answered ? 0 : 1}`);
      if (filter.cursor !== undefined) c.add('id < ?', decodeCursor('calls', filter.cursor, ['number'])[0]);
      const rows = await query<CallRow>(`SELECT ${callColumns('calls', c.param(filter.now))} FROM calls ${c.where} ORDER BY id DESC LIMIT ${c.param(filter.limit + 1)}`, c.values);
      return toPage(rows, filter.limit, toCallRecord, (row) => encodeCursor('calls', [row.id]));
    },

    checkpointTimes: async (runId) =>
      (await query<{ path: string; outcome: 'done' | 'skipped' | 'ended'; created_at: number }>('SELECT path, outcome, created_at FROM checkpoints WHERE run_id = $1 ORDER BY seq', [runId])).map(
        (row) => ({ path: row.path, outcome: row.outcome, at: row.created_at }),
      ),

    summary: async ({ since, now }) => {
      const firstMinute = Math.floor(since / MINUTE_MS) * MINUTE_MS;
      const minutes = new Map<number, MinuteActivity & { latencies: number[] }>();
      for (let minute = firstMinute; minute <= now; minute += MINUTE_MS) {
        minutes.set(minute, { minute, eventsIn: 0, runsCompleted: 0, exceptions: 0, p50Ms: null, p99Ms: null, latencies: [] });
      }
      const minuteOf = (at: number) => minutes.get(Math.floor(at / MINUTE_MS) * MINUTE_MS);
      const byFlow = new Map<string, { flowId: string; eventsIn: number; completed: number; exceptions: number }>();
      const flow = (flowId: string) => {
        let entry = byFlow.get(flowId);
        if (entry === undefined) byFlow.set(flowId, (entry = { flowId, eventsIn: 0, completed: 0, exceptions: 0 }));
        return entry;
      };
      const window = [since, now];

      const [events, completed, exceptions, openByReason, byConnection] = await Promise.all([
        query<{ minute: number; flow_id: string; n: number }>(
          `SELECT (received_at / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, flow_id, count(*) AS n FROM events
           WHERE received_at BETWEEN $1 AND $2 GROUP BY 1, flow_id`,
          window,
        ),
        query<{ flow_id: string; finished_at: number; latency: number }>(
          `SELECT flow_id, finished_at, finished_at - created_at AS latency FROM runs WHERE status = 'succeeded' AND finished_at BETWEEN $1 AND $2`,
          window,
        ),
        query<{ minute: number; flow_id: string; n: number }>(
          `SELECT (created_at / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, flow_id, count(*) AS n FROM exceptions
           WHERE created_at BETWEEN $1 AND $2 GROUP BY 1, flow_id`,
          window,
        ),
        query<{ reason: Reason; n: number }>(`SELECT reason, count(*) AS n FROM exceptions WHERE status = 'open' GROUP BY reason ORDER BY reason COLLATE "C"`),
        query<{ connection: string; calls: number; errors: number }>(
          `SELECT connection, count(*) AS calls, sum(CASE WHEN awaiting_answer = 0 AND (status IS NULL OR status >= 400) THEN 1 ELSE 0 END) AS errors FROM calls
           WHERE connection IS NOT NULL AND at BETWEEN $1 AND $2 GROUP BY connection ORDER BY connection COLLATE "C"`,
          window,
        ),
      ]);
      for (const row of events) {
        const minute = minutes.get(row.minute);
        if (minute) minute.eventsIn += row.n;
        flow(row.flow_id).eventsIn += row.n;
      }
      for (const row of completed) {
        const minute = minuteOf(row.finished_at);
        if (minute) {
          minute.runsCompleted += 1;
          minute.latencies.push(row.latency);
        }
        flow(row.flow_id).completed += 1;
      }
      let exceptionCount = 0;
      for (const row of exceptions) {
        const minute = minutes.get(row.minute);
        if (minute) minute.exceptions += row.n;
        flow(row.flow_id).exceptions += row.n;
        exceptionCount += row.n;
      }

      const finished = completed.length + exceptionCount;
      const summary: ActivitySummary = {
        perMinute: [...minutes.values()].map(({ latencies, ...minute }) => {
          latencies.sort((a, b) => a - b);
          return { ...minute, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
        }),
        successRate: finished === 0 ? null : completed.length / finished,
        openExceptionsByReason: Object.fromEntries(openByReason.map((row) => [row.reason, row.n])),
        byFlow: [...byFlow.values()].sort((a, b) => a.flowId.localeCompare(b.flowId)),
        byConnection,
      };
      return summary;
    },

    connectionActivity: async () =>
      (
        await query<{ connection: string; last_success_at: number | null; last_failure_at: number | null }>(`
          SELECT connection,
            max(CASE WHEN status BETWEEN 200 AND 399 THEN at END) AS last_success_at,
            max(CASE WHEN awaiting_answer = 0 AND (status IS NULL OR status >= 400) THEN at END) AS last_failure_at
          FROM calls WHERE connection IS NOT NULL GROUP BY connection ORDER BY connection COLLATE "C"`)
      ).map((row) => ({ connection: row.connection, lastSuccessAt: row.last_success_at, lastFailureAt: row.last_failure_at })),
  };
}
