import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createSqliteReconciliations } from './sqlite-reconciliations.ts';
import { createSqliteRetention } from './sqlite-retention.ts';
import { createSqliteXrefStore } from './sqlite-xref.ts';
import { createSqliteBulkJobs } from './sqlite-bulk-jobs.ts';
import Database from 'better-sqlite3';
import { newId } from '../../core/ids.ts';
import { createSqliteConnectionStore, createSqliteSecretStorage, type SqliteAccess } from './sqlite-connections.ts';
import { createSqliteRateLimitState } from './sqlite-rate-limits.ts';
import { createSqliteAdminAudit, createSqliteFlowStates } from './sqlite-admin.ts';
import { createSqliteOperations } from './sqlite-operations.ts';
import { createSqliteTokenStore } from './sqlite-tokens.ts';
import { createSqliteAlertIncidents } from './sqlite-alert-incidents.ts';
import { createSqliteStats } from './sqlite-stats.ts';
import type { Reason } from '../../core/exception.ts';
import type { RunStatus, RunSummary, StepCheckpoint, TriggerEvent } from '../../core/run.ts';
import { refuseNewerSchema } from '../schema-version.ts';
import { LeaseLostError, NotReplayableError, StoreUnavailableError, unansweredCall } from '../store.ts';
import type {
  BegunEffect,
  CallRecord,
  CallRequestRecord,
  ClaimedRun,
  ClaimRequest,
  Effect,
  ExceptionFilter,
  ExceptionRecord,
  ExceptionStatus,
  IngestClaim,
  IngestOutcome,
  NewCallRecord,
  NewEvent,
  NewException,
  RunDetail,
  RunFilter,
  StartedCall,
  Store,
} from '../store.ts';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** 'full' survives power loss; 'normal' survives a process crash only (WAL). */
  synchronous?: 'full' | 'normal';
  /**
   * How long a write waits for a lock another process holds before it fails as unavailable (an
   * ingest then answers 503). The wait is a retry every few milliseconds, not a block: the event
   * loop keeps serving meanwhile.
   */
  busyTimeoutMs?: number;
  /**
   * 0 (default) commits the queued writes on the next turn of the event loop; more waits that long
   * to gather writes arriving later. Measured (bench/store-ingest.ts), 0 gave both the higher
   * throughput and the lower latency: writes arriving while a commit runs already wait for the next.
   */
  groupCommitDelayMs?: number;
}

export interface SqliteStore extends Store {
  /** Transactions committed by the write queue since open; lets tests see group commit work. */
  commitCount(): number;
}

const DEFAULT_LIST_LIMIT = 100;
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/**
 * SQLite's own busy handler sleeps on the calling thread, which here is the event loop: a lock
 * held elsewhere for seconds froze health checks, acknowledgements and every run. So a statement
 * blocks at most this long, and the write queue waits for the lock by trying again later.
 */
const BLOCKING_BUSY_MS = 10;
const BUSY_RETRY_MS = 25;
/** Bounds one transaction's length, so a burst of writes cannot stall the event loop for long. */
const MAX_BATCH_SIZE = 500;
/**
 * How long a write that may wait waits for a commit to share. A commit's fsync blocks the event
 * loop for ~0.25 ms on the machines we measure on, and under load another commit comes along
 * every millisecond or so (an ingest, an effect's intent): at 1,000 events/s this halved the
 * commits of a run that ends at once (bench/README.md, "Ack latency pass").
 */
const MAY_WAIT_MS = 5;
/** A run's own record of what already happened: the checkpoint after a step, its audit record, its end. */
const MAY_WAIT = { mayWait: true } as const;
const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'exception'];
const UNAVAILABLE_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY'];
const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

type Db = Database.Database;

export interface RunRow {
  seq: number;
  id: string;
  flow_id: string;
  event_id: string;
  status: RunStatus;
  ordering_key: string | null;
  due_at: number;
  fence: number;
  attempt_path: string | null;
  attempt_count: number;
  attempt_first_at: number | null;
  last_error: string | null;
  input_override: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  takeovers: number;
  payload: string;
}

interface CandidateRow {
  seq: number;
  flow_id: string;
  claimable_at: number;
}

interface CheckpointRow {
  path: string;
  output: string | null;
  outcome: StepCheckpoint['outcome'];
}

interface EffectRow {
  key: string;
  run_id: string;
  step_path: string;
  status: Effect['status'];
  result: string | null;
  created_at: number;
  done_at: number | null;
  request_hash: string | null;
}

export interface ExceptionRow {
  id: string;
  run_id: string;
  flow_id: string;
  event_id: string;
  reason: Reason;
  message: string;
  step_path: string | null;
  input: string | null;
  last_response: string | null;
  status: ExceptionStatus;
  created_at: number;
  resolved_at: number | null;
  comment: string | null;
}

export interface CallRow {
  id: number;
  at: number;
  flow_id: string;
  run_id: string;
  step_path: string;
  attempt: number;
  method: string;
  url: string;
  status: number | null;
  duration_ms: number;
  request_headers: string;
  request_body: string | null;
  response_headers: string;
  response_body: string | null;
  error: string | null;
  connection: string | null;
  fence: number | null;
  awaiting_answer: number;
  /** From `callColumns`: 1 while the run still holds the claim an unanswered call was sent under. */
  in_flight: number | null;
}

/**
 * A call row and whether its request, when unanswered, is still in flight (see
 * `CallRecord.unanswered`); the statement binds `@now`. A killed process's run keeps its fence
 * until it is claimed again: only its lease tells the claim is gone.
 */
export function callColumns(alias: string): string {
  return `${alias}.*, CASE WHEN ${alias}.awaiting_answer = 1 THEN EXISTS (
    SELECT 1 FROM runs r WHERE r.id = ${alias}.run_id AND r.status = 'running' AND r.fence = ${alias}.fence AND r.lease_expires_at > @now) END AS in_flight`;
}

type Outcome = { isOk: true; value: unknown } | { isOk: false; error: unknown };

interface PendingWrite {
  work: () => unknown;
  mayWait: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const RUN_COLUMNS = `r.seq, r.id, r.flow_id, r.event_id, r.status, r.ordering_key, r.due_at, r.fence,
  r.attempt_path, r.attempt_count, r.attempt_first_at, r.last_error, r.input_override,
  r.created_at, r.updated_at, r.finished_at, r.takeovers, e.payload`;

/** The fenced part of every write on a claimed run (guarantee 7). */
const FENCED = `WHERE id = @runId AND fence = @fence AND status = 'running'`;

export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  let db: Db;
  try {
    db = openDatabase(options);
  } catch (error) {
    throw new Error(`cannot open the SQLite database ${options.path}: ${describe(error)}${openHint(error)}`, { cause: error });
  }
  const queue = createWriteQueue(db, options.groupCommitDelayMs ?? 0, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  const statementCache = new Map<string, Database.Statement>();
  function sql(text: string): Database.Statement {
    let statement = statementCache.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      statementCache.set(text, statement);
    }
    return statement;
  }

  async function read<T>(work: () => T): Promise<T> {
    if (!db.open) throw new StoreUnavailableError('the store is closed');
    try {
      return work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  const access: SqliteAccess = { sql, read, write: (work) => queue.write(work), writeFailure: () => queue.failure(), freeDiskBytes: () => freeDiskBytes(options.path) };

  function requireLease(changes: number, runId: string): void {
    if (changes === 0) throw new LeaseLostError(runId);
  }

  function loadCheckpoints(runId: string): StepCheckpoint[] {
    const rows = sql('SELECT path, output, outcome FROM checkpoints WHERE run_id = ? ORDER BY seq').all(runId) as CheckpointRow[];
    return rows.map((row) => ({ path: row.path, output: fromJson(row.output), outcome: row.outcome }));
  }

  function loadRun(where: 'r.seq = ?' | 'r.id = ?', key: number | string): RunRow | undefined {
    return sql(`SELECT ${RUN_COLUMNS} FROM runs r JOIN events e ON e.id = r.event_id WHERE ${where}`).get(key) as RunRow | undefined;
  }

  function toRunDetail(row: RunRow): RunDetail {
    return { ...toRunSummary(row), event: toTriggerEvent(row), checkpoints: loadCheckpoints(row.id) };
  }

  function claim(request: ClaimRequest): ClaimedRun[] {
    const { now, limit } = request;
    if (limit <= 0 || request.flowIds.length === 0) return [];
    const leaseUntil = now + request.leaseMs;
    const liveLeases = new Map<string, number>();
    // Only a capped flow needs its live leases counted; most flows have no cap, and the count
    // would otherwise run on every claim, i.e. after every finished run.
    const countLeases = sql(`SELECT count(*) FROM runs WHERE flow_id = ? AND status = 'running' AND lease_expires_at > ?`).pluck();
    for (const flowId of request.flowIds) {
      if (request.flowConcurrency[flowId] !== undefined) liveLeases.set(flowId, countLeases.get(flowId, now) as number);
    }
    const roomIn = (flowId: string): number => (request.flowConcurrency[flowId] ?? Infinity) - (liveLeases.get(flowId) ?? 0);

    // Candidates come in pages, in (claimable_at, seq) order: flows that reach their cap drop out
    // of the next page's filter, so one busy, capped flow cannot hide the due runs of others.
    // INDEXED BY: walking the claimable index in order stops after a page; the planner otherwise
    // picks the flow index, which also walks every finished run of the flow.
    // Without a capped flow no candidate is passed over, so a page need hold no more than `limit`.
    // An ordering key's run waits for every earlier open run of its key and, since a replay queues
    // an earlier run again behind a later one, for a later run holding a live lease. That lookup
    // walks the key's later open runs (runs_ordering): mostly none, and a backlog the claim walks
    // anyway; the planner otherwise picks runs_status, which walks every running run per candidate.
    const isCapped = request.flowIds.some((flowId) => request.flowConcurrency[flowId] !== undefined);
    const pageSize = isCapped ? limit + 16 : limit;
    const candidates = sql(`
      SELECT r.seq, r.flow_id, r.claimable_at FROM runs r INDEXED BY runs_claimable
      WHERE r.claimable_at <= @now
        AND (r.claimable_at, r.seq) > (@afterAt, @afterSeq)
        AND r.flow_id IN (SELECT value FROM json_each(@flowIds))
        AND (r.ordering_key IS NULL OR (NOT EXISTS (
          SELECT 1 FROM runs p
          WHERE p.flow_id = r.flow_id AND p.ordering_key = r.ordering_key AND p.seq < r.seq AND p.claimable_at IS NOT NULL)
        AND NOT EXISTS (
          SELECT 1 FROM runs l INDEXED BY runs_ordering
          WHERE l.flow_id = r.flow_id AND l.ordering_key = r.ordering_key AND l.seq > r.seq AND l.claimable_at IS NOT NULL
            AND l.status = 'running' AND l.lease_expires_at > @now)))
      ORDER BY r.claimable_at, r.seq
      LIMIT @pageSize`);
    const takeRun = sql(`
      UPDATE runs SET status = 'running', lease_owner = @workerId, lease_expires_at = @leaseUntil,
        claimable_at = @leaseUntil, fence = fence + 1, updated_at = @now,
        takeovers = takeovers + CASE WHEN status = 'running' THEN 1 ELSE 0 END
      WHERE seq = @seq`);

    const claimed: ClaimedRun[] = [];
    let flowIds = request.flowIds.filter((flowId) => roomIn(flowId) > 0);
    let afterAt = Number.MIN_SAFE_INTEGER;
    let afterSeq = 0;
    while (claimed.length < limit && flowIds.length > 0) {
      const page = candidates.all({ now, afterAt, afterSeq, flowIds: JSON.stringify(flowIds), pageSize }) as CandidateRow[];
      for (const candidate of page) {
        if (claimed.length === limit) break;
        if (roomIn(candidate.flow_id) <= 0) continue;
        takeRun.run({ workerId: request.workerId, leaseUntil, now, seq: candidate.seq });
        liveLeases.set(candidate.flow_id, (liveLeases.get(candidate.flow_id) ?? 0) + 1);
        const row = loadRun('r.seq = ?', candidate.seq);
        if (row === undefined) throw new Error(`run seq ${candidate.seq} vanished while being claimed`);
        claimed.push({
          ...toRunDetail(row),
          attempt: { path: row.attempt_path, count: row.attempt_count, firstAt: row.attempt_first_at },
          takeovers: row.takeovers,
        });
      }
      const last = page.at(-1);
      if (page.length < pageSize || last === undefined) break;
      afterAt = last.claimable_at;
      afterSeq = last.seq;
      flowIds = flowIds.filter((flowId) => roomIn(flowId) > 0);
    }
    return claimed;
  }

  /**
   * One event and its run; the transaction is the caller's. The payload is serialised by the
   * caller before queueing, so an event that cannot be serialised fails alone and never enters
   * a batch.
   */
  function ingestOne(event: NewEvent, payload: string, claim?: IngestClaim): IngestOutcome {
    const duplicate = insertEventUnlessSeen(event, payload);
    if (duplicate !== undefined) return duplicate;
    // A run claimed on ingest is inserted as running: updating a queued row would rewrite it and
    // its status and claimable index entries a second time in the same commit.
    const isClaimed = claim !== undefined && canClaimOnIngest(event, claim);
    const at = event.receivedAt;
    const leaseUntil = isClaimed ? at + claim.leaseMs : null;
    sql(`
      INSERT INTO runs (id, flow_id, event_id, status, ordering_key, due_at, claimable_at, lease_owner, lease_expires_at, fence, created_at, updated_at)
      VALUES (@runId, @flowId, @eventId, @status, @orderingKey, @at, @claimableAt, @workerId, @leaseUntil, @fence, @at, @at)`).run({
      runId: event.runId,
      flowId: event.flowId,
      eventId: event.id,
      status: isClaimed ? 'running' : 'queued',
      orderingKey: event.orderingKey,
      at,
      claimableAt: leaseUntil ?? at,
      workerId: isClaimed ? claim.workerId : null,
      leaseUntil,
      fence: isClaimed ? 1 : 0,
    });
    if (isClaimed) {
      const claimed: ClaimedRun = {
        id: event.runId,
        flowId: event.flowId,
        eventId: event.id,
        status: 'running',
        orderingKey: event.orderingKey,
        createdAt: event.receivedAt,
        updatedAt: event.receivedAt,
        dueAt: event.receivedAt,
        finishedAt: null,
        fence: 1,
        lastError: null,
        event: event.event,
        checkpoints: [],
        attempt: { path: null, count: 0, firstAt: null },
        takeovers: 0,
      };
      return { status: 'accepted', eventId: event.id, runId: event.runId, claimed };
    }
    return { status: 'accepted', eventId: event.id, runId: event.runId };
  }

  /** Inserts the event, or answers the earlier delivery of its dedupe key; the transaction is the caller's. */
  function insertEventUnlessSeen(event: NewEvent, payload: string): Extract<IngestOutcome, { status: 'duplicate' }> | undefined {
    const inserted = sql(`
      INSERT INTO events (id, flow_id, dedupe_key, received_at, payload) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (flow_id, dedupe_key) DO NOTHING`).run(event.id, event.flowId, event.dedupeKey, event.receivedAt, payload);
    if (inserted.changes > 0) return undefined;
    const original = sql(`
      SELECT e.id AS eventId, r.id AS runId FROM events e JOIN runs r ON r.event_id = e.id
      WHERE e.flow_id = ? AND e.dedupe_key = ?`).get(event.flowId, event.dedupeKey) as { eventId: string; runId: string };
    return { status: 'duplicate', ...original };
  }

  /**
   * The open exception of a run that is parked (its status already `exception`); the transaction
   * is the caller's. `input` and `lastResponse` come serialised.
   */
  function insertException(runId: string, exception: NewException, input: string | null, lastResponse: string | null): string {
    const id = newId('exc', exception.now);
    sql(`
      INSERT INTO exceptions (id, run_id, flow_id, event_id, reason, message, step_path, input, last_response, status, created_at)
      SELECT @id, id, flow_id, event_id, @reason, @message, @stepPath, @input, @lastResponse, 'open', @now FROM runs WHERE id = @runId`).run({
      id,
      runId,
      reason: exception.reason,
      message: exception.message,
      stepPath: exception.stepPath,
      input,
      lastResponse,
      now: exception.now,
    });
    return id;
  }

  /** The claim rules of `claim()`, for the run about to be inserted. */
  function canClaimOnIngest(event: NewEvent, claim: IngestClaim): boolean {
    if (event.orderingKey !== null) {
      // Asked before the run is inserted: every run already there is an earlier one.
      const earlierOpen = sql(`
        SELECT 1 FROM runs p WHERE p.flow_id = @flowId AND p.ordering_key = @orderingKey AND p.claimable_at IS NOT NULL
          LIMIT 1`).get({ flowId: event.flowId, orderingKey: event.orderingKey });
      if (earlierOpen !== undefined) return false;
    }
    if (claim.flowConcurrency !== undefined) {
      const n = sql(`SELECT count(*) FROM runs WHERE flow_id = ? AND status = 'running' AND lease_expires_at > ?`).pluck().get(event.flowId, event.receivedAt) as number;
      if (n >= claim.flowConcurrency) return false;
    }
    return true;
  }

  /**
   * Resolves the open exceptions of the completed run's record; the transaction is the caller's.
   * Only those of earlier runs (lower seq): a replayed older run that completes says nothing of
   * a newer event's failure, which still needs its own replay. Almost always no exception of the
   * flow is open, which a small partial index answers.
   */
  function resolveExceptionsOfRecord(run: { seq: number; flow_id: string; ordering_key: string | null; event_id: string }, now: number): string[] {
    const anyOpen = sql(`SELECT 1 FROM exceptions INDEXED BY exceptions_open_by_flow WHERE status = 'open' AND flow_id = ? LIMIT 1`).get(run.flow_id);
    if (anyOpen === undefined) return [];
    const earlierOfRecord =
      run.ordering_key !== null
        ? 'SELECT id FROM runs WHERE flow_id = @flowId AND ordering_key = @orderingKey AND seq < @seq'
        : `SELECT r.id FROM runs r JOIN events e ON e.id = r.event_id
           WHERE e.flow_id = @flowId AND e.dedupe_key = (SELECT dedupe_key FROM events WHERE id = @eventId) AND r.seq < @seq`;
    return sql(`
      UPDATE exceptions SET status = 'resolved', resolved_at = @now
      WHERE status = 'open' AND flow_id = @flowId AND run_id IN (${earlierOfRecord})
      RETURNING id`)
      .pluck()
      .all({ now, flowId: run.flow_id, seq: run.seq, ...(run.ordering_key !== null ? { orderingKey: run.ordering_key } : { eventId: run.event_id }) }) as string[];
  }

  /**
   * The audit record of a request about to leave, under the run's current claim; the transaction
   * is the caller's. Its attempt follows those this step of the run was sent with under earlier
   * claims (`CallRequestRecord.attempt`).
   */
  function insertStartedCall(call: CallRequestRecord): StartedCall {
    return sql(`
      INSERT INTO calls (at, flow_id, run_id, step_path, attempt, method, url, status, duration_ms,
        request_headers, request_body, response_headers, response_body, error, connection, fence, awaiting_answer)
      SELECT @at, @flowId, @runId, @stepPath,
        max(@attempt, coalesce((
          SELECT max(attempt) + 1 FROM calls WHERE run_id = @runId AND step_path = @stepPath AND fence < claim.fence), 0)),
        @method, @url, NULL, 0, @requestHeaders, @requestBody, '{}', NULL, NULL, @connection, claim.fence, 1
      FROM (SELECT coalesce((SELECT fence FROM runs WHERE id = @runId), 0) AS fence) claim
      RETURNING id, attempt`).get({
      at: call.at,
      flowId: call.flowId,
      runId: call.runId,
      stepPath: call.stepPath,
      attempt: call.attempt,
      method: call.method,
      url: call.url,
      requestHeaders: JSON.stringify(call.requestHeaders),
      requestBody: call.requestBody,
      connection: call.connection ?? null,
    }) as StartedCall;
  }

  function findOpenException(id: string): ExceptionRow {
    const row = sql('SELECT * FROM exceptions WHERE id = ?').get(id) as ExceptionRow | undefined;
    if (row === undefined) throw new NotReplayableError(`exception ${id} does not exist`);
    if (row.status !== 'open') throw new NotReplayableError(`exception ${id} is already ${row.status}`);
    return row;
  }

  return {
    ingest: async (event: NewEvent, claim?: IngestClaim) => {
      const payload = JSON.stringify(event.event);
      return queue.write(() => ingestOne(event, payload, claim));
    },

    ingestParked: async (event, exception) => {
      // Serialised before queueing, as `ingest` does: a value that is not JSON fails this ingest alone.
      const payload = JSON.stringify(event.event);
      const input = toJson(exception.input);
      const lastResponse = toJson(exception.lastResponse);
      return queue.write(() => {
        const duplicate = insertEventUnlessSeen(event, payload);
        if (duplicate !== undefined) return duplicate;
        // Inserted parked as parkException leaves a run, but never claimed: no lease, fence 0.
        sql(`
          INSERT INTO runs (id, flow_id, event_id, status, ordering_key, due_at, claimable_at, last_error, created_at, updated_at, finished_at)
          VALUES (@runId, @flowId, @eventId, 'exception', @orderingKey, @at, NULL, @message, @at, @now, @now)`).run({
          runId: event.runId,
          flowId: event.flowId,
          eventId: event.id,
          orderingKey: event.orderingKey,
          at: event.receivedAt,
          message: exception.message,
          now: exception.now,
        });
        const exceptionId = insertException(event.runId, exception, input, lastResponse);
        return { status: 'accepted' as const, eventId: event.id, runId: event.runId, exceptionId };
      });
    },

    ingestBatch: async (events, cursor) => {
      const payloads = events.map((event) => JSON.stringify(event.event));
      return queue.write(() => {
        const outcomes = events.map((event, index) => ingestOne(event, payloads[index]!));
        if (cursor !== undefined) {
          sql(`
            INSERT INTO poll_cursors (key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(cursor.key, cursor.value, cursor.now);
        }
        return outcomes;
      });
    },

    pollCursor: (key) => read(() => (sql('SELECT value FROM poll_cursors WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined),

    claimRuns: (request) => queue.write(() => claim(request)),

    renewLease: (runId, fence, leaseUntil) =>
      queue.write(() => {
        const result = sql(`UPDATE runs SET lease_expires_at = @leaseUntil, claimable_at = @leaseUntil ${FENCED}`).run({ runId, fence, leaseUntil });
        return result.changes > 0;
      }),

    checkpoint: (runId, fence, checkpoint, options) => {
      // Serialised now, not when the batch commits: a value that is not JSON throws before the
      // run's next writes (its completion) are queued behind a write that cannot happen.
      const output = toJson(checkpoint.output);
      return queue.write(() => {
        const now = options.now;
        const isParked = options.waitUntil !== undefined;
        // SQLite rewrites the index entries of every column a SET names, changed or not: only a
        // parking checkpoint touches the status and claimable columns.
        const parking = isParked ? `, status = 'waiting', due_at = @waitUntil, claimable_at = @waitUntil, lease_owner = NULL, lease_expires_at = NULL` : '';
        const result = sql(`
          UPDATE runs SET updated_at = @now, takeovers = 0,
            attempt_count = CASE WHEN attempt_path = @path THEN 0 ELSE attempt_count END,
            attempt_first_at = CASE WHEN attempt_path = @path THEN NULL ELSE attempt_first_at END,
            attempt_path = CASE WHEN attempt_path = @path THEN NULL ELSE attempt_path END${parking}
          ${FENCED}
          RETURNING updated_at`).get({ runId, fence, now, path: checkpoint.path, ...(isParked ? { waitUntil: options.waitUntil } : {}) }) as
          | { updated_at: number }
          | undefined;
        if (result === undefined) throw new LeaseLostError(runId);
        const at = result.updated_at;
        sql(`
          INSERT INTO checkpoints (run_id, path, output, outcome, created_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (run_id, path) DO UPDATE SET output = excluded.output, outcome = excluded.outcome, created_at = excluded.created_at`).run(
          runId,
          checkpoint.path,
          output,
          checkpoint.outcome,
          at,
        );
        if (options.effectKey !== undefined) {
          sql(`
            INSERT INTO effects (key, run_id, step_path, status, result, created_at, done_at) VALUES (@key, @runId, @path, 'done', @output, @at, @at)
            ON CONFLICT (key) DO UPDATE SET status = 'done', result = excluded.result, done_at = excluded.done_at`).run({
            key: options.effectKey,
            runId,
            path: checkpoint.path,
            output,
            at,
          });
        }
      }, MAY_WAIT);
    },

    completeRun: (runId, fence, now) =>
      queue.write(() => {
        const done = sql(`
          UPDATE runs SET status = 'succeeded', finished_at = @now, updated_at = @now, claimable_at = NULL,
            lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
          ${FENCED}
          RETURNING seq, flow_id, ordering_key, event_id`).get({ runId, fence, now }) as { seq: number; flow_id: string; ordering_key: string | null; event_id: string } | undefined;
        if (done === undefined) throw new LeaseLostError(runId);
        return resolveExceptionsOfRecord(done, now);
      }, MAY_WAIT),

    scheduleRetry: (runId, fence, retry) =>
      queue.write(() => {
        // SET expressions see the row as it was, so the CASEs compare against the previous attempt_path.
        const result = sql(`
          UPDATE runs SET status = 'waiting', due_at = @dueAt, claimable_at = @dueAt, updated_at = @now,
            lease_owner = NULL, lease_expires_at = NULL, last_error = @error,
            attempt_count = CASE WHEN attempt_path = @stepPath THEN attempt_count + 1 ELSE 1 END,
            attempt_first_at = CASE WHEN attempt_path = @stepPath THEN attempt_first_at ELSE @now END,
            attempt_path = @stepPath
          ${FENCED}`).run({ runId, fence, ...retry });
        requireLease(result.changes, runId);
      }),

    postpone: (runId, fence, dueAt, now) =>
      queue.write(() => {
        const result = sql(`
          UPDATE runs SET status = 'waiting', due_at = @dueAt, claimable_at = @dueAt, updated_at = @now,
            lease_owner = NULL, lease_expires_at = NULL
          ${FENCED}`).run({ runId, fence, dueAt, now });
        requireLease(result.changes, runId);
      }),

    releaseRun: (runId, fence, now) =>
      queue.write(() => {
        const result = sql(`
          UPDATE runs SET status = 'queued', due_at = @now, claimable_at = @now, updated_at = @now,
            lease_owner = NULL, lease_expires_at = NULL
          ${FENCED}`).run({ runId, fence, now });
        requireLease(result.changes, runId);
      }),

    parkException: (runId, fence, exception: NewException) =>
      queue.write(() => {
        const { now } = exception;
        const result = sql(`
          UPDATE runs SET status = 'exception', finished_at = @now, updated_at = @now, claimable_at = NULL,
            lease_owner = NULL, lease_expires_at = NULL, last_error = @message
          ${FENCED}`).run({ runId, fence, now, message: exception.message });
        requireLease(result.changes, runId);
        return insertException(runId, exception, toJson(exception.input), toJson(exception.lastResponse));
      }),

    getEffect: (key) =>
      read(() => {
        const row = sql('SELECT * FROM effects WHERE key = ?').get(key) as EffectRow | undefined;
        return row === undefined ? undefined : toEffect(row);
      }),

    beginEffect: ({ key, runId, stepPath, now, destination, requestHash, call }) =>
      queue.write((): BegunEffect => {
        const inserted = sql(`
          INSERT INTO effects (key, run_id, step_path, status, created_at, request_hash) VALUES (?, ?, ?, 'pending', ?, ?)
          ON CONFLICT (key) DO NOTHING`).run(key, runId, stepPath, now, requestHash ?? null);
        const effect: Effect =
          inserted.changes === 1
            ? { key, runId, stepPath, status: 'pending', result: undefined, createdAt: now, doneAt: null, requestHash: requestHash ?? null }
            : toEffect(sql('SELECT * FROM effects WHERE key = ?').get(key) as EffectRow);
        const destinationHold =
          destination === undefined ? undefined : (sql('SELECT until FROM destination_holds WHERE destination = ?').pluck().get(destination) as number | undefined);
        // A done effect is not sent again, so there is no request to record.
        if (call === undefined || effect.status === 'done') return { effect, destinationHold };
        return { effect, destinationHold, call: insertStartedCall(call) };
      }),

    holdDestination: (destination, until) =>
      queue.write(() => {
        // Holds only grow: a shorter Retry-After arriving late must not cut a longer pause short.
        sql(`
          INSERT INTO destination_holds (destination, until) VALUES (?, ?)
          ON CONFLICT (destination) DO UPDATE SET until = max(until, excluded.until)`).run(destination, until);
      }),

    // Waited on: the request leaves once its record is durable.
    startCall: (call) => queue.write(() => insertStartedCall(call)),

    completeCall: (call) =>
      queue.write(() => {
        // Only columns no index holds, so the answer rewrites the row and nothing else.
        sql(`
          UPDATE calls SET at = @at, status = @status, duration_ms = @durationMs, response_headers = @responseHeaders,
            response_body = @responseBody, error = @error, awaiting_answer = 0
          WHERE id = @id`).run({
          id: call.id,
          at: call.at,
          status: call.status,
          durationMs: call.durationMs,
          responseHeaders: JSON.stringify(call.responseHeaders),
          responseBody: call.responseBody,
          error: call.error,
        });
      }, MAY_WAIT),

    discardCall: (id) =>
      queue.write(() => {
        sql('DELETE FROM calls WHERE id = ? AND awaiting_answer = 1').run(id);
      }, MAY_WAIT),

    recordCall: (call: NewCallRecord) =>
      queue.write(() => {
        sql(`
          INSERT INTO calls (at, flow_id, run_id, step_path, attempt, method, url, status, duration_ms,
            request_headers, request_body, response_headers, response_body, error, connection)
          VALUES (@at, @flowId, @runId, @stepPath, @attempt, @method, @url, @status, @durationMs,
            @requestHeaders, @requestBody, @responseHeaders, @responseBody, @error, @connection)`).run({
          ...call,
          connection: call.connection ?? null,
          requestHeaders: JSON.stringify(call.requestHeaders),
          responseHeaders: JSON.stringify(call.responseHeaders),
        });
      }, MAY_WAIT),

    listCalls: (filter) =>
      read(() => {
        // The latest `limit` calls, in the order they were made.
        const where = filter.runId === undefined ? '' : 'WHERE run_id = @runId';
        const rows = sql(`SELECT ${callColumns('c')} FROM (SELECT * FROM calls ${where} ORDER BY id DESC LIMIT @limit) c ORDER BY c.id`).all({
          ...(filter.runId === undefined ? {} : { runId: filter.runId }),
          limit: filter.limit ?? DEFAULT_LIST_LIMIT,
          now: filter.now,
        }) as CallRow[];
        return rows.map(toCallRecord);
      }),

    getRun: (runId) =>
      read(() => {
        const row = loadRun('r.id = ?', runId);
        return row === undefined ? undefined : toRunDetail(row);
      }),

    listRuns: (filter: RunFilter) =>
      read(() => {
        const conditions = [
          ...(filter.flowId === undefined ? [] : ['r.flow_id = @flowId']),
          ...(filter.status === undefined ? [] : ['r.status = @status']),
        ];
        const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
        const rows = sql(`SELECT ${RUN_COLUMNS} FROM runs r JOIN events e ON e.id = r.event_id ${where} ORDER BY r.seq DESC LIMIT @limit`).all({
          ...definedOnly({ flowId: filter.flowId, status: filter.status }),
          limit: filter.limit ?? DEFAULT_LIST_LIMIT,
        }) as RunRow[];
        return rows.map(toRunSummary);
      }),

    countRuns: (flowId) =>
      read(() => {
        const where = flowId === undefined ? '' : 'WHERE flow_id = @flowId';
        const rows = sql(`SELECT status, count(*) AS n FROM runs ${where} GROUP BY status`).all(definedOnly({ flowId })) as Array<{
          status: RunStatus;
          n: number;
        }>;
        const counts = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
        for (const row of rows) counts[row.status] = row.n;
        return counts;
      }),

    nextWakeAt: () =>
      read(() => {
        const at = sql('SELECT min(claimable_at) FROM runs WHERE claimable_at IS NOT NULL').pluck().get() as number | null;
        return at ?? undefined;
      }),

    listExceptions: (filter: ExceptionFilter) =>
      read(() => {
        const conditions = [
          ...(filter.flowId === undefined ? [] : ['flow_id = @flowId']),
          ...(filter.runId === undefined ? [] : ['run_id = @runId']),
          ...(filter.reason === undefined ? [] : ['reason = @reason']),
          ...(filter.status === undefined ? [] : ['status = @status']),
        ];
        const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
        const rows = sql(`SELECT * FROM exceptions ${where} ORDER BY created_at DESC, id DESC LIMIT @limit`).all({
          ...definedOnly({ flowId: filter.flowId, runId: filter.runId, reason: filter.reason, status: filter.status }),
          limit: filter.limit ?? DEFAULT_LIST_LIMIT,
        }) as ExceptionRow[];
        return rows.map(toExceptionRecord);
      }),

    exceptionsSince: (sinceMs, limit) =>
      read(() => (sql('SELECT * FROM exceptions WHERE created_at >= ? ORDER BY created_at, id LIMIT ?').all(sinceMs, limit) as ExceptionRow[]).map(toExceptionRecord)),

    getException: (id) =>
      read(() => {
        const row = sql('SELECT * FROM exceptions WHERE id = ?').get(id) as ExceptionRow | undefined;
        return row === undefined ? undefined : toExceptionRecord(row);
      }),

    replayException: (id, options) =>
      queue.write(() => {
        const exception = findOpenException(id);
        const hasInput = options.input !== undefined;
        const hasOrderingKey = options.orderingKey !== undefined;
        const result = sql(`
          UPDATE runs SET status = 'queued', due_at = @now, claimable_at = @now, updated_at = @now, finished_at = NULL,
            lease_owner = NULL, lease_expires_at = NULL, last_error = NULL,
            attempt_path = NULL, attempt_count = 0, attempt_first_at = NULL, takeovers = 0,
            input_override = CASE WHEN @hasInput THEN @input ELSE input_override END,
            ordering_key = CASE WHEN @hasOrderingKey THEN @orderingKey ELSE ordering_key END
          WHERE id = @runId AND status = 'exception'`).run({
          runId: exception.run_id,
          now: options.now,
          hasInput: hasInput ? 1 : 0,
          input: hasInput ? toJson(options.input) : null,
          hasOrderingKey: hasOrderingKey ? 1 : 0,
          orderingKey: options.orderingKey ?? null,
        });
        if (result.changes === 0) throw new NotReplayableError(`the run of exception ${id} is no longer parked`);
        if (hasInput) sql('DELETE FROM checkpoints WHERE run_id = ?').run(exception.run_id);
        sql(`UPDATE exceptions SET status = 'replayed', resolved_at = ? WHERE id = ?`).run(options.now, id);
        return { runId: exception.run_id };
      }),

    discardException: (id, now, comment) =>
      queue.write(() => {
        findOpenException(id);
        sql(`UPDATE exceptions SET status = 'discarded', resolved_at = ?, comment = ? WHERE id = ?`).run(now, comment ?? null, id);
      }),

    connections: createSqliteConnectionStore(access),
    secrets: createSqliteSecretStorage(access),
    rateLimits: createSqliteRateLimitState(access),
    tokens: createSqliteTokenStore(access),
    adminAudit: createSqliteAdminAudit(access),
    flowStates: createSqliteFlowStates(access),
    xref: createSqliteXrefStore(access),
    reconciliations: createSqliteReconciliations(access),
    operations: createSqliteOperations(access),
    retention: createSqliteRetention(access),
    bulkJobs: createSqliteBulkJobs(access),
    ...createSqliteStats(access),
    alertIncidents: createSqliteAlertIncidents(access),

    close: async () => {
      queue.drain();
      if (db.open) db.close();
    },

    commitCount: () => queue.commitCount,
  };
}

/**
 * Group commit: writes queue up as closures and are committed together, one transaction per
 * turn of the event loop, so an fsync is paid per batch instead of per write. A write that
 * throws (a stale fence) must undo and reject only itself. Savepoints around every write would
 * do that but cost two statements per write, and writes almost never throw; so a batch runs
 * without them, and only when one of its writes throws is it rolled back and run again with a
 * savepoint around each write. Closures therefore change nothing but the database: running one
 * twice must be the same as running it once. Promises settle after COMMIT returns: a resolved
 * write is durable.
 */
function createWriteQueue(db: Db, delayMs: number, busyTimeoutMs: number) {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT write');
  const release = db.prepare('RELEASE write');
  const rollbackTo = db.prepare('ROLLBACK TO write');

  let pending: PendingWrite[] = [];
  /** The flush to come: on the next turn (or after `delayMs`) for a write someone waits on, later for one that may wait. */
  let scheduled: { isSoon: boolean; cancel(): void } | undefined;
  let commitCount = 0;
  let isClosed = false;
  /** Since when BEGIN has found the database locked by another connection; undefined while it is not. */
  let busySince: number | undefined;
  /** Why the last batch could not commit, until one that changed a row commits (the disk is full, a lock is held). */
  let lastFailure: string | undefined;
  /** The connection's count of changed rows when the last batch failed. */
  let changesAtFailure = 0;
  const totalChanges = db.prepare('SELECT total_changes()').pluck();

  function schedule(isSoon: boolean): void {
    if (scheduled !== undefined && (scheduled.isSoon || !isSoon)) return;
    scheduled?.cancel();
    if (isSoon && delayMs === 0) {
      const immediate = setImmediate(flush);
      scheduled = { isSoon, cancel: () => clearImmediate(immediate) };
    } else {
      // A configured delay longer than MAY_WAIT_MS holds every write that long, waiting ones too.
      const timeout = setTimeout(flush, isSoon ? delayMs : Math.max(delayMs, MAY_WAIT_MS));
      scheduled = { isSoon, cancel: () => clearTimeout(timeout) };
    }
  }

  function cancel(): void {
    scheduled?.cancel();
    scheduled = undefined;
  }

  /** Runs and commits the batch; without savepoints, rolls back and returns undefined when a write throws. */
  function commitBatch(batch: PendingWrite[], isIsolated: boolean): Outcome[] | undefined {
    const outcomes: Outcome[] = [];
    begin.run();
    for (const write of batch) {
      if (isIsolated) savepoint.run();
      try {
        const value = write.work();
        if (isIsolated) release.run();
        outcomes.push({ isOk: true, value });
      } catch (error) {
        // The disk or the lock failed, not this write: the whole batch is suspect.
        if (isUnavailable(error)) throw error;
        if (!isIsolated) {
          rollback.run();
          return undefined;
        }
        rollbackTo.run();
        release.run();
        outcomes.push({ isOk: false, error });
      }
    }
    commit.run();
    commitCount += 1;
    return outcomes;
  }

  function flush(): void {
    scheduled = undefined;
    const batch = pending.slice(0, MAX_BATCH_SIZE);
    pending = pending.slice(batch.length);
    if (pending.length > 0) schedule(pending.some((write) => !write.mayWait));
    if (batch.length === 0) return;

    let outcomes: Outcome[];
    try {
      outcomes = commitBatch(batch, false) ?? commitBatch(batch, true)!;
      busySince = undefined;
      // Only a committed change of a row proves writes work again: a transaction that wrote nothing
      // (a look for due runs that found none) commits on a full disk too.
      if (lastFailure !== undefined && (totalChanges.get() as number) > changesAtFailure) lastFailure = undefined;
    } catch (error) {
      if (isLockedAtBegin(error) && waitForLock()) {
        pending = [...batch, ...pending];
        return;
      }
      if (db.inTransaction) rollback.run();
      const unavailable = new StoreUnavailableError(`the store could not commit: ${describe(error)}`, { cause: error });
      lastFailure = unavailable.message;
      changesAtFailure = totalChanges.get() as number;
      for (const write of batch) write.reject(unavailable);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome?.isOk) write.resolve(outcome.value);
      else write.reject(outcome?.error);
    });
  }

  /** BEGIN found another connection's lock: nothing of the batch ran. */
  function isLockedAtBegin(error: unknown): boolean {
    return !db.inTransaction && error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
  }

  /** Schedules another try while the lock has been held for less than the busy timeout; false once it has not. */
  function waitForLock(): boolean {
    const now = performance.now();
    busySince ??= now;
    if (isClosed || now - busySince >= busyTimeoutMs) return false;
    scheduled?.cancel();
    const retry = setTimeout(flush, BUSY_RETRY_MS);
    scheduled = { isSoon: true, cancel: () => clearTimeout(retry) };
    return true;
  }

  return {
    /**
     * Queues `work` for the next group commit. `mayWait`: nothing outside the process waits on
     * this write (a run's own record of what already happened), so it commits with the next
     * write someone does wait on — an ingest, an effect's intent — or after MAY_WAIT_MS, instead
     * of paying an fsync of its own.
     */
    write<T>(work: () => T, options?: { mayWait?: boolean }): Promise<T> {
      if (isClosed) return Promise.reject(new StoreUnavailableError('the store is closed'));
      const mayWait = options?.mayWait === true;
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, mayWait, resolve: resolve as (value: unknown) => void, reject });
        schedule(!mayWait);
      });
    },
    /** Commits what is queued now and refuses further writes. */
    drain(): void {
      isClosed = true;
      cancel();
      while (pending.length > 0) flush();
      cancel();
    },
    get commitCount() {
      return commitCount;
    },
    /** Why writes fail now, or undefined when the last batch committed. */
    failure: () => lastFailure,
  };
}

function openDatabase(options: SqliteStoreOptions): Db {
  // Opening and migrating may wait the whole timeout: nothing is served yet.
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    // A long reader (a backup, `weft runs` on a big table) keeps checkpoints from recycling the
    // WAL, which then grows with every write; SQLite never shrinks the file unless told to. With
    // a limit it is cut back to this size the next time it is reset after the reader is gone.
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    db.pragma(`busy_timeout = ${Math.min(BLOCKING_BUSY_MS, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function freeDiskBytes(path: string): number | undefined {
  if (path === ':memory:' || path === '') return undefined;
  const disk = statfsSync(dirname(resolve(path)));
  return disk.bavail * disk.bsize;
}

/** What an operator can do about a database that does not open. */
function openHint(error: unknown): string {
  const code = error instanceof Database.SqliteError ? error.code : (error as NodeJS.ErrnoException).code;
  if (code === undefined) return '';
  if (code.startsWith('SQLITE_CANTOPEN')) return ' (check that its folder exists and this user may write there)';
  if (code.startsWith('SQLITE_READONLY')) return ' (the file or its folder is read-only; Weft writes to its database)';
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) return ' (the file is not a Weft database or is damaged; restore it from a backup)';
  if (code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR')) return ' (check free disk space)';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return ' (another process holds a lock on it)';
  return '';
}

/** Applies numbered migrations not yet recorded, in one immediate transaction so two processes opening at once cannot both apply them. */
function migrate(db: Db): void {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name))
    .sort();
  // Read first, without a lock: an up-to-date database (nearly every open, `weft runs` beside a
  // busy engine among them) must not queue for the write lock only to find nothing to do.
  const alreadyApplied = appliedVersions(db);
  refuseNewerSchema(alreadyApplied, files);
  if (files.every((name) => alreadyApplied.has(Number(name.slice(0, 4))))) return;
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`);
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const name of files) {
      const version = Number(name.slice(0, 4));
      if (applied.has(version)) continue;
      db.exec(readFileSync(new URL(name, MIGRATIONS_DIR), 'utf8'));
      db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(version, name);
    }
  }).immediate();
}

function appliedVersions(db: Db): Set<number> {
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).get() !== undefined;
  return new Set(hasTable ? (db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]) : []);
}

function isUnavailable(error: unknown): boolean {
  return error instanceof Database.SqliteError && UNAVAILABLE_CODES.some((code) => error.code.startsWith(code));
}

function toStoreError(error: unknown): unknown {
  return isUnavailable(error) ? new StoreUnavailableError(`the store is unavailable: ${describe(error)}`, { cause: error }) : error;
}

function describe(error: unknown): string {
  return error instanceof Database.SqliteError ? `${error.code}: ${error.message}` : String(error);
}

function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

/** better-sqlite3 rejects named parameters that the statement does not use. */
function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function toRunSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    flowId: row.flow_id,
    eventId: row.event_id,
    status: row.status,
    orderingKey: row.ordering_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    dueAt: row.due_at,
    finishedAt: row.finished_at,
    fence: row.fence,
    lastError: row.last_error,
  };
}

function toTriggerEvent(row: RunRow): TriggerEvent {
  const event = JSON.parse(row.payload) as TriggerEvent;
  return row.input_override === null ? event : { ...event, body: JSON.parse(row.input_override) };
}

function toEffect(row: EffectRow): Effect {
  return {
    key: row.key,
    runId: row.run_id,
    stepPath: row.step_path,
    status: row.status,
    result: fromJson(row.result),
    createdAt: row.created_at,
    doneAt: row.done_at,
    requestHash: row.request_hash,
  };
}

export function toExceptionRecord(row: ExceptionRow): ExceptionRecord {
  return {
    id: row.id,
    runId: row.run_id,
    flowId: row.flow_id,
    eventId: row.event_id,
    reason: row.reason,
    message: row.message,
    stepPath: row.step_path,
    input: fromJson(row.input),
    lastResponse: fromJson(row.last_response),
    status: row.status,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    ...(row.comment === null ? {} : { comment: row.comment }),
  };
}

export function toCallRecord(row: CallRow): CallRecord {
  const record: CallRecord = {
    id: row.id,
    at: row.at,
    flowId: row.flow_id,
    runId: row.run_id,
    stepPath: row.step_path,
    attempt: row.attempt,
    method: row.method,
    url: row.url,
    status: row.status,
    durationMs: row.duration_ms,
    requestHeaders: JSON.parse(row.request_headers) as Record<string, string>,
    requestBody: row.request_body,
    responseHeaders: JSON.parse(row.response_headers) as Record<string, string>,
    responseBody: row.response_body,
    error: row.error,
    ...(row.connection === null ? {} : { connection: row.connection }),
  };
  return row.awaiting_answer === 1 ? { ...record, ...unansweredCall(row.in_flight === 1) } : record;
}
