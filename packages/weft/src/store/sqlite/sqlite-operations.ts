import type { Reason } from '../../core/exception.ts';
import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { ActivitySummary, CallStatusClass, EventSummary, ExceptionGroup, MinuteActivity, OperationsStore, Page } from '../store.ts';
import type { SqliteAccess } from './sqlite-connections.ts';
import { callColumns, toCallRecord, toExceptionRecord, toRunSummary, type CallRow, type ExceptionRow, type RunRow } from './sqlite-store.ts';

const MINUTE_MS = 60_000;
/** Workers' clocks may disagree this much: runs created "before" the window by this margin are still looked at. */
const CLOCK_SKEW_MS = 60_000;

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

/** A WHERE clause and its named parameters, built from the filters that are set. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: Record<string, unknown> = {};
  add(clause: string, params: Record<string, unknown> = {}): void {
    this.clauses.push(clause);
    Object.assign(this.params, params);
  }
  get where(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}

/** Reads one row more than the page holds: its presence is what says there is a next page. */
function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, cursorOf: (row: Row) => string): Page<Item> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(toItem), nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** Nearest rank over ascending values. */
function nearestRank(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createSqliteOperations({ sql, write, read }: SqliteAccess): OperationsStore {
  /** The lowest seq whose run was created at or after `at`, assuming creation times rise with seq. */
  function firstRunCreatedSince(at: number): number {
    const bounds = sql('SELECT min(seq) AS low, max(seq) AS high FROM runs').get() as { low: number | null; high: number | null };
    if (bounds.low === null || bounds.high === null) return 0;
    const createdAt = sql('SELECT created_at FROM runs WHERE seq >= ? ORDER BY seq LIMIT 1').pluck();
    let low = bounds.low;
    let high = bounds.high + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const createdAtMiddle = createdAt.get(middle) as number | undefined;
      if (createdAtMiddle === undefined || createdAtMiddle >= at) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  return {
    pageRuns: (filter) =>
      read(() => {
        const c = new Conditions();
        if (filter.flowId !== undefined) c.add('r.flow_id = @flowId', { flowId: filter.flowId });
        if (filter.status !== undefined) c.add('r.status = @status', { status: filter.status });
        if (filter.q !== undefined) c.add('(r.id = @q OR r.event_id = @q OR r.ordering_key = @q)', { q: filter.q });
        if (filter.cursor !== undefined) c.add('r.seq < @before', { before: decodeCursor('runs', filter.cursor, ['number'])[0] });
        const rows = sql(`SELECT ${SUMMARY_COLUMNS} FROM runs r ${c.where} ORDER BY r.seq DESC LIMIT @limit`).all({
          ...c.params,
          limit: filter.limit + 1,
        }) as RunRow[];
        return toPage(rows, filter.limit, toRunSummary, (row) => encodeCursor('runs', [row.seq]));
      }),

    pageEvents: (filter) =>
      read(() => {
        // Through runs: an event and its run are created together, and runs carry the creation order and the flow index.
        const c = new Conditions();
        if (filter.flowId !== undefined) c.add('r.flow_id = @flowId', { flowId: filter.flowId });
        if (filter.cursor !== undefined) c.add('r.seq < @before', { before: decodeCursor('events', filter.cursor, ['number'])[0] });
        const rows = sql(`
          SELECT r.seq, e.id, e.flow_id, r.id AS run_id, json_extract(e.payload, '$.source') AS source, e.received_at, e.dedupe_key
          FROM runs r JOIN events e ON e.id = r.event_id ${c.where} ORDER BY r.seq DESC LIMIT @limit`).all({ ...c.params, limit: filter.limit + 1 }) as Array<{
          seq: number;
          id: string;
          flow_id: string;
          run_id: string;
          source: EventSummary['source'];
          received_at: number;
          dedupe_key: string;
        }>;
        return toPage(
          rows,
          filter.limit,
          (row): EventSummary => ({ id: row.id, flowId: row.flow_id, runId: row.run_id, source: row.source, receivedAt: row.received_at, dedupeKey: row.dedupe_key }),
          (row) => encodeCursor('events', [row.seq]),
        );
      }),

    pageExceptions: (filter) =>
      read(() => {
        const c = new Conditions();
        if (filter.flowId !== undefined) c.add('flow_id = @flowId', { flowId: filter.flowId });
        if (filter.reason !== undefined) c.add('reason = @reason', { reason: filter.reason });
        if (filter.status !== undefined) c.add('status = @status', { status: filter.status });
        if (filter.cursor !== undefined) {
          const [afterAt, afterId] = decodeCursor('exceptions', filter.cursor, ['number', 'string']);
          c.add('(created_at, id) > (@afterAt, @afterId)', { afterAt, afterId });
        }
        const rows = sql(`SELECT * FROM exceptions ${c.where} ORDER BY created_at, id LIMIT @limit`).all({ ...c.params, limit: filter.limit + 1 }) as ExceptionRow[];
        return toPage(rows, filter.limit, toExceptionRecord, (row) => encodeCursor('exceptions', [row.created_at, row.id]));
      }),

    exceptionGroups: (filter) =>
      read(() => {
        const where = filter.status === undefined ? '' : 'WHERE status = @status';
        const rows = sql(`
          SELECT flow_id, reason, count(*) AS n, min(created_at) AS oldest_at FROM exceptions ${where}
          GROUP BY flow_id, reason ORDER BY oldest_at, flow_id, reason`).all(filter.status === undefined ? {} : { status: filter.status }) as Array<{
          flow_id: string;
          reason: Reason;
          n: number;
          oldest_at: number;
        }>;
        return rows.map((row): ExceptionGroup => ({ flowId: row.flow_id, reason: row.reason, count: row.n, oldestAt: row.oldest_at }));
      }),

    pageCalls: (filter) =>
      read(() => {
        const c = new Conditions();
        if (filter.runId !== undefined) c.add('run_id = @runId', { runId: filter.runId });
        if (filter.connection !== undefined) c.add('connection = @connection', { connection: filter.connection });
        if (filter.status !== undefined) c.add(STATUS_CLASS[filter.status]);
        if (filter.q !== undefined) {
          c.add(`(url LIKE @q ESCAPE '\\' OR request_body LIKE @q ESCAPE '\\' OR response_body LIKE @q ESCAPE '\\')`, { q: `%${escapeLike(filter.q)}%` });
        }
        if (filter.from !== undefined) c.add('at >= @from', { from: filter.from });
        if (filter.to !== undefined) c.add('at <= @to', { to: filter.to });
        if (filter.answered !== undefined) c.add(`awaiting_answer = ${filter.answered ? 0 : 1}`);
        if (filter.cursor !== undefined) c.add('id < @before', { before: decodeCursor('calls', filter.cursor, ['number'])[0] });
        const rows = sql(`SELECT ${callColumns('calls')} FROM calls ${c.where} ORDER BY id DESC LIMIT @limit`).all({ ...c.params, limit: filter.limit + 1, now: filter.now }) as CallRow[];
        return toPage(rows, filter.limit, toCallRecord, (row) => encodeCursor('calls', [row.id]));
      }),

    checkpointTimes: (runId) =>
      read(() =>
        (sql('SELECT path, outcome, created_at FROM checkpoints WHERE run_id = ? ORDER BY seq').all(runId) as Array<{ path: string; outcome: 'done' | 'skipped' | 'ended'; created_at: number }>).map(
          (row) => ({ path: row.path, outcome: row.outcome, at: row.created_at }),
        ),
      ),

    summary: ({ since, now }) =>
      read((): ActivitySummary => {
        const firstMinute = Math.floor(since / MINUTE_MS) * MINUTE_MS;
        const minutes = new Map<number, MinuteActivity>();
        for (let minute = firstMinute; minute <= now; minute += MINUTE_MS) {
          minutes.set(minute, { minute, eventsIn: 0, runsCompleted: 0, exceptions: 0, p50Ms: null, p99Ms: null });
        }
        const byFlow = new Map<string, { flowId: string; eventsIn: number; completed: number; exceptions: number }>();
        const flow = (flowId: string) => {
          let entry = byFlow.get(flowId);
          if (entry === undefined) byFlow.set(flowId, (entry = { flowId, eventsIn: 0, completed: 0, exceptions: 0 }));
          return entry;
        };
        const window = { since, now };

        // Counted on runs, created with their event at its receipt: their rows are small, while
        // events rows hold the payloads. Runs are created in seq order at (nearly) increasing
        // times, so the scan starts at the first run of the window, found by bisection.
        const firstSeq = firstRunCreatedSince(since - CLOCK_SKEW_MS);
        const events = sql(`
          SELECT (created_at / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, flow_id, count(*) AS n FROM runs
          WHERE seq >= @firstSeq AND created_at BETWEEN @since AND @now GROUP BY minute, flow_id`).all({ ...window, firstSeq }) as Array<{ minute: number; flow_id: string; n: number }>;
        for (const row of events) {
          const minute = minutes.get(row.minute);
          if (minute) minute.eventsIn += row.n;
          flow(row.flow_id).eventsIn += row.n;
        }
        // From the covering index, as bare arrays: a busy hour has 100,000 completions, and
        // ranking them in SQL (window functions) measured five times slower than sorting here.
        const completed = sql(`
          SELECT finished_at, finished_at - created_at, flow_id FROM runs INDEXED BY runs_succeeded
          WHERE status = 'succeeded' AND finished_at BETWEEN @since AND @now`)
          .raw()
          .all(window) as Array<[number, number, string]>;
        const latencies = new Map<number, number[]>();
        for (const [finishedAt, latency, flowId] of completed) {
          const minute = Math.floor(finishedAt / MINUTE_MS) * MINUTE_MS;
          const list = latencies.get(minute);
          if (list === undefined) latencies.set(minute, [latency]);
          else list.push(latency);
          flow(flowId).completed += 1;
        }
        for (const [start, list] of latencies) {
          const minute = minutes.get(start);
          if (minute === undefined) continue;
          const sorted = Float64Array.from(list).sort();
          Object.assign(minute, { runsCompleted: sorted.length, p50Ms: nearestRank(sorted, 0.5), p99Ms: nearestRank(sorted, 0.99) });
        }
        const completedCount = completed.length;
        const exceptions = sql(`
          SELECT (created_at / ${MINUTE_MS}) * ${MINUTE_MS} AS minute, flow_id, count(*) AS n FROM exceptions
          WHERE created_at BETWEEN @since AND @now GROUP BY minute, flow_id`).all(window) as Array<{ minute: number; flow_id: string; n: number }>;
        let exceptionCount = 0;
        for (const row of exceptions) {
          const minute = minutes.get(row.minute);
          if (minute) minute.exceptions += row.n;
          flow(row.flow_id).exceptions += row.n;
          exceptionCount += row.n;
        }
        const openByReason = sql(`SELECT reason, count(*) AS n FROM exceptions WHERE status = 'open' GROUP BY reason ORDER BY reason`).all() as Array<{ reason: Reason; n: number }>;
        const byConnection = sql(`
          SELECT connection, count(*) AS calls, sum(CASE WHEN awaiting_answer = 0 AND (status IS NULL OR status >= 400) THEN 1 ELSE 0 END) AS errors FROM calls
          WHERE connection IS NOT NULL AND at BETWEEN @since AND @now GROUP BY connection ORDER BY connection`).all(window) as Array<{
          connection: string;
          calls: number;
          errors: number;
        }>;

        const finished = completedCount + exceptionCount;
        return {
          perMinute: [...minutes.values()],
          successRate: finished === 0 ? null : completedCount / finished,
          openExceptionsByReason: Object.fromEntries(openByReason.map((row) => [row.reason, row.n])),
          byFlow: [...byFlow.values()].sort((a, b) => a.flowId.localeCompare(b.flowId)),
          byConnection,
        };
      }),

    connectionActivity: () =>
      read(
        () =>
          (sql(`
            SELECT connection,
              max(CASE WHEN status BETWEEN 200 AND 399 THEN at END) AS last_success_at,
              max(CASE WHEN awaiting_answer = 0 AND (status IS NULL OR status >= 400) THEN at END) AS last_failure_at
            FROM calls WHERE connection IS NOT NULL GROUP BY connection ORDER BY connection`).all() as Array<{
            connection: string;
            last_success_at: number | null;
            last_failure_at: number | null;
          }>).map((row) => ({ connection: row.connection, lastSuccessAt: row.last_success_at, lastFailureAt: row.last_failure_at })),
      ),
  };
}

