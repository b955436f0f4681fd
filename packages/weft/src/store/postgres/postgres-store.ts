import { newId } from '../../core/ids.ts';
import { createPostgresReconciliations } from './postgres-reconciliations.ts';
import { createPostgresXrefStore } from './postgres-xref.ts';
import { createPostgresRetention } from './postgres-retention.ts';
import { createPostgresBulkJobs } from './postgres-bulk-jobs.ts';
import type { RunStatus, StepCheckpoint } from '../../core/run.ts';
import { LeaseLostError, NotReplayableError } from '../store.ts';
import type {
  AlertIncidentStore,
  CallRequestRecord,
  CheckpointOptions,
  ClaimedRun,
  ClaimRequest,
  ExceptionFilter,
  IngestClaim,
  IngestOutcome,
  NewCallRecord,
  NewEvent,
  NewException,
  QueueStats,
  Readiness,
  RunFilter,
  StartedCall,
  Store,
} from '../store.ts';
import { clientConfig, createAccess, createPool, lockKey, toStoreError, type PoolOptions, type PostgresAccess, type PostgresTx } from './postgres-access.ts';
import { createPostgresAdminAudit, createPostgresFlowStates } from './postgres-admin.ts';
import { createPostgresAlertIncidents } from './postgres-alert-incidents.ts';
import { createPostgresConnectionStore, createPostgresSecretStorage } from './postgres-connections.ts';
import { migratePostgres } from './postgres-migrations.ts';
import { createPostgresOperations } from './postgres-operations.ts';
import { createPostgresRateLimitState } from './postgres-rate-limits.ts';
import { createPostgresStats } from './postgres-stats.ts';
import { createPostgresTokenStore } from './postgres-tokens.ts';
import {
  CHECKPOINTS_COLUMN,
  RUN_COLUMNS,
  callColumns,
  toCallRecord,
  toEffect,
  toExceptionRecord,
  toJson,
  toRunDetail,
  toRunSummary,
  type CallRow,
  type EffectRow,
  type ExceptionRow,
  type RunRow,
} from './postgres-rows.ts';
import { createWorkNotifier, WORK_CHANNEL } from './postgres-work-notifier.ts';

/** Pending migrations are applied at open, under an advisory lock (`weft migrate` applies them alone). */
export type PostgresStoreOptions = PoolOptions;

export interface PostgresStore extends Store {
  queueStats(now: number): Promise<QueueStats>;
  readiness(): Promise<Readiness>;
  alertIncidents: AlertIncidentStore;
  /** Database round trips (statements sent) since open: what decides scaling on bigger machines. */
  stats(): { queries: number };
  /** Called when any process commits work that may be due (LISTEN weft_work); returns the unsubscribe. */
  onWorkAvailable(listener: () => void): () => void;
}

const DEFAULT_LIST_LIMIT = 100;
const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'exception'];
/** Woken workers look at nextWakeAt, so any commit that changes when work is due notifies. */
const NOTIFY = `pg_notify('${WORK_CHANNEL}', '')`;

/** The fenced part of every write on a claimed run (guarantee 7); $1 run id, $2 fence. */
const FENCED = `WHERE id = $1 AND fence = $2 AND status = 'running'`;

const orderingLock = (flowId: string, orderingKey: string) => `weft:order:${flowId}\u0000${orderingKey}`;
const flowLock = (flowId: string) => `weft:flow:${flowId}`;

/** A run as a claim returns it, with what it was before: enough to hand it back as it was. */
type ClaimedRow = RunRow & { was_claimable_at: number; was_status: RunStatus };

interface IngestRow {
  accepted: boolean;
  event_id: string;
  run_id: string;
  status: RunStatus | null;
}

/** A run inserted parked (`Store.ingestParked`): its exception, and the id it is inserted under. */
interface IngestPark {
  exception: NewException;
  exceptionId: string;
}

/**
 * One event and its run in one statement. Runs of one ordering key are serialised by an
 * advisory lock taken before the run's seq is drawn, so their seq order is their commit order
 * and a claimer can never see a later run of a key before an earlier one. With `claim`, the run
 * is inserted as running when the claim rules allow; the caller holds the ordering key's and the
 * flow's locks in an open transaction, so the rules are read after every earlier commit. With
 * `park`, the run is inserted parked and its open exception with it (never claimed: no lease,
 * fence 0).
 */
function ingestStatement(event: NewEvent, options: { claim?: IngestClaim; park?: IngestPark; lockInStatement: boolean }): { text: string; values: unknown[] } {
  const values: unknown[] = [event.id, event.flowId, event.dedupeKey, event.receivedAt, JSON.stringify(event.event), event.runId, event.orderingKey];
  const param = (value: unknown) => `$${values.push(value)}`;
  const ctes: string[] = [];
  let source = '';
  if (options.lockInStatement && event.orderingKey !== null) {
    ctes.push(`locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(${param(lockKeyText(orderingLock(event.flowId, event.orderingKey)))}::bigint))`);
    source = 'FROM locked';
  }
  ctes.push(`ev AS (
    INSERT INTO events (id, flow_id, dedupe_key, received_at, payload) SELECT $1, $2, $3, $4, $5 ${source}
    ON CONFLICT (flow_id, dedupe_key) DO NOTHING RETURNING id)`);
  if (options.park !== undefined) {
    const { exception, exceptionId } = options.park;
    const now = param(exception.now);
    const message = param(exception.message);
    ctes.push(`run AS (
      INSERT INTO runs (id, flow_id, event_id, status, ordering_key, due_at, claimable_at, fence, last_error, created_at, updated_at, finished_at)
      SELECT $6, $2, ev.id, 'exception', $7, $4, NULL, 0, ${message}::text, $4, ${now}::bigint, ${now}::bigint FROM ev RETURNING id, status)`);
    // A data-modifying CTE runs to completion whether or not the query reads it.
    ctes.push(`parked AS (
      INSERT INTO exceptions (id, run_id, flow_id, event_id, reason, message, step_path, input, last_response, status, created_at)
      SELECT ${param(exceptionId)}::text, run.id, $2, $1, ${param(exception.reason)}::text, ${message}::text, ${param(exception.stepPath)}::text,
        ${param(toJson(exception.input))}::text, ${param(toJson(exception.lastResponse))}::text, 'open', ${now}::bigint
      FROM run)`);
  } else if (options.claim === undefined) {
    ctes.push(`run AS (
      INSERT INTO runs (id, flow_id, event_id, status, ordering_key, due_at, claimable_at, fence, created_at, updated_at)
      SELECT $6, $2, ev.id, 'queued', $7, $4, $4, 0, $4, $4 FROM ev RETURNING id, status)`);
  } else {
    const worker = param(options.claim.workerId);
    const leaseUntil = param(event.receivedAt + options.claim.leaseMs);
    const cap = param(options.claim.flowConcurrency ?? null);
    // Read before the run is inserted: every run it sees is an earlier one.
    ctes.push(`allowed AS (SELECT
      ($7::text IS NULL OR NOT EXISTS (
        SELECT 1 FROM runs p WHERE p.flow_id = $2 AND p.ordering_key = $7 AND p.claimable_at IS NOT NULL))
      AND (${cap}::int IS NULL OR (
        SELECT count(*) FROM runs l WHERE l.flow_id = $2 AND l.status = 'running' AND l.lease_expires_at > $4) < ${cap}::int) AS ok)`);
    ctes.push(`run AS (
      INSERT INTO runs (id, flow_id, event_id, status, ordering_key, due_at, claimable_at, lease_owner, lease_expires_at, fence, created_at, updated_at)
      SELECT $6, $2, ev.id, CASE WHEN a.ok THEN 'running' ELSE 'queued' END, $7, $4,
        CASE WHEN a.ok THEN ${leaseUntil}::bigint ELSE $4 END, CASE WHEN a.ok THEN ${worker}::text END,
        CASE WHEN a.ok THEN ${leaseUntil}::bigint END, CASE WHEN a.ok THEN 1 ELSE 0 END, $4, $4
      FROM ev CROSS JOIN allowed a RETURNING id, status)`);
  }
  // A run claimed here needs nobody woken: its worker starts it from memory; nor does a parked one.
  const text = `WITH ${ctes.join(',\n')}
    SELECT true AS accepted, $1 AS event_id, run.id AS run_id, run.status,
      CASE WHEN run.status = 'queued' THEN ${NOTIFY}::text END AS notified
    FROM run
    UNION ALL
    SELECT false, e.id, r.id, NULL, NULL FROM events e JOIN runs r ON r.event_id = e.id
    WHERE e.flow_id = $2 AND e.dedupe_key = $3 AND NOT EXISTS (SELECT 1 FROM ev)`;
  return { text, values };
}

/**
 * The audit record of a request about to leave, under the run's current claim; its attempt
 * follows those this step of the run was sent with under earlier claims (`CallRequestRecord.attempt`).
 * Parameters are numbered after the caller's `values`; `from` adds a source the insert reads
 * from (the effect it is begun with), so it inserts nothing when that source has no row.
 */
function startCallStatement(call: CallRequestRecord, values: unknown[], from = ''): string {
  const param = (value: unknown, type: string) => `$${values.push(value)}::${type}`;
  const runId = param(call.runId, 'text');
  const stepPath = param(call.stepPath, 'text');
  return `INSERT INTO calls (at, flow_id, run_id, step_path, attempt, method, url, status, duration_ms,
      request_headers, request_body, response_headers, response_body, error, connection, fence, awaiting_answer)
    SELECT ${param(call.at, 'bigint')}, ${param(call.flowId, 'text')}, ${runId}, ${stepPath},
      GREATEST(${param(call.attempt, 'int')}, COALESCE((
        SELECT max(c.attempt) + 1 FROM calls c WHERE c.run_id = ${runId} AND c.step_path = ${stepPath} AND c.fence < claim.fence), 0)),
      ${param(call.method, 'text')}, ${param(call.url, 'text')}, NULL, 0, ${param(JSON.stringify(call.requestHeaders), 'text')},
      ${param(call.requestBody, 'text')}, '{}', NULL, NULL, ${param(call.connection ?? null, 'text')}, claim.fence, 1
    FROM (SELECT COALESCE((SELECT fence FROM runs WHERE id = ${runId}), 0) AS fence) claim ${from}
    RETURNING id, attempt`;
}

function lockKeyText(name: string): string {
  return lockKey(name).toString();
}

export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = createPool(options);
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client, options.schema);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw toStoreError(error);
  }
  const access = createAccess(pool);
  const { query, transaction } = access;
  const notifier = createWorkNotifier(clientConfig(options));
  let isClosed = false;

  function requireLease(rows: unknown[], runId: string): void {
    if (rows.length === 0) throw new LeaseLostError(runId);
  }

  /** The ingest statement's row when the event was inserted, else the earlier delivery of its dedupe key. */
  async function insertOrFindOriginal(
    tx: PostgresTx,
    event: NewEvent,
    statement: { text: string; values: unknown[] },
  ): Promise<{ status: 'inserted'; row: IngestRow } | Extract<IngestOutcome, { status: 'duplicate' }>> {
    const [row] = await tx.query<IngestRow>(statement.text, statement.values);
    if (row === undefined) {
      // The earlier delivery committed while this statement waited on its key: read it now.
      const [original] = await tx.query<{ event_id: string; run_id: string }>(
        'SELECT e.id AS event_id, r.id AS run_id FROM events e JOIN runs r ON r.event_id = e.id WHERE e.flow_id = $1 AND e.dedupe_key = $2',
        [event.flowId, event.dedupeKey],
      );
      if (original === undefined) throw new Error(`event ${event.dedupeKey} of flow ${event.flowId} was neither inserted nor found`);
      return { status: 'duplicate', eventId: original.event_id, runId: original.run_id };
    }
    return row.accepted ? { status: 'inserted', row } : { status: 'duplicate', eventId: row.event_id, runId: row.run_id };
  }

  async function ingestOne(tx: PostgresTx, event: NewEvent, claim: IngestClaim | undefined, lockInStatement: boolean): Promise<IngestOutcome> {
    const ingested = await insertOrFindOriginal(tx, event, ingestStatement(event, { ...(claim === undefined ? {} : { claim }), lockInStatement }));
    if (ingested.status === 'duplicate') return ingested;
    if (ingested.row.status !== 'running') return { status: 'accepted', eventId: event.id, runId: event.runId };
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

  async function claimRuns(request: ClaimRequest): Promise<ClaimedRun[]> {
    const { now, limit } = request;
    if (limit <= 0 || request.flowIds.length === 0) return [];
    const flowIds = [...new Set(request.flowIds)];
    const caps = flowIds.map((flowId) => request.flowConcurrency[flowId] ?? null);
    // Each flow's due runs are walked on their own (LATERAL), up to the room under its cap, so a
    // busy capped flow cannot hide the due runs of others; then the earliest `limit` are taken.
    // An ordering key's run waits for every earlier open run of its key and, since a replay queues
    // an earlier run again behind a later one, for a later run holding a live lease (both found
    // through runs_ordering or, for the lease, runs_leases).
    // SKIP LOCKED: runs another process is claiming right now are passed over, not waited for.
    const text = `
      WITH flows AS (
        SELECT f.flow_id, CASE WHEN f.cap IS NULL THEN $3::int ELSE LEAST($3::int, f.cap - (
          SELECT count(*) FROM runs l WHERE l.flow_id = f.flow_id AND l.status = 'running' AND l.lease_expires_at > $4))::int END AS room
        FROM unnest($1::text[], $2::int[]) AS f (flow_id, cap)),
      picked AS (
        SELECT p.seq, p.claimable_at, p.status FROM flows f CROSS JOIN LATERAL (
          SELECT r.seq, r.claimable_at, r.status FROM runs r
          WHERE r.flow_id = f.flow_id AND r.claimable_at <= $4
            AND (r.ordering_key IS NULL OR (NOT EXISTS (
              SELECT 1 FROM runs b
              WHERE b.flow_id = r.flow_id AND b.ordering_key = r.ordering_key AND b.seq < r.seq AND b.claimable_at IS NOT NULL)
            AND NOT EXISTS (
              SELECT 1 FROM runs l
              WHERE l.flow_id = r.flow_id AND l.ordering_key = r.ordering_key AND l.seq > r.seq AND l.claimable_at IS NOT NULL
                AND l.status = 'running' AND l.lease_expires_at > $4)))
          ORDER BY r.claimable_at, r.seq
          LIMIT GREATEST(f.room, 0)
          FOR UPDATE OF r SKIP LOCKED) p),
      chosen AS (SELECT seq, claimable_at, status FROM picked ORDER BY claimable_at, seq LIMIT $3)
      UPDATE runs r SET status = 'running', lease_owner = $5, lease_expires_at = $6, claimable_at = $6, fence = r.fence + 1, updated_at = $4,
        takeovers = r.takeovers + CASE WHEN r.status = 'running' THEN 1 ELSE 0 END
      FROM chosen c, events e
      WHERE r.seq = c.seq AND e.id = r.event_id
      RETURNING ${RUN_COLUMNS}, ${CHECKPOINTS_COLUMN}, c.claimable_at AS was_claimable_at, c.status AS was_status`;
    const values = [flowIds, caps, limit, now, request.workerId, now + request.leaseMs];
    const cappedFlows = flowIds.filter((flowId) => request.flowConcurrency[flowId] !== undefined);
    // A cap counts live leases of every process: the flow's lock makes count-then-claim atomic.
    const claimed =
      cappedFlows.length === 0
        ? await query<ClaimedRow>(text, values)
        : await transaction((tx) => tx.query<ClaimedRow>(text, values), cappedFlows.map(flowLock));
    const handedBack = await handBackOutOfTurn(claimed, now);
    const rows = claimed.filter((row) => !handedBack.has(row.id));
    rows.sort((a, b) => a.was_claimable_at - b.was_claimable_at || a.seq - b.seq);
    return rows.map((row) => ({
      ...toRunDetail(row),
      attempt: { path: row.attempt_path, count: row.attempt_count, firstAt: row.attempt_first_at },
      takeovers: row.takeovers,
    }));
  }

  /**
   * The claim statement reads its ordering-key rules in the snapshot taken as it began. A replay
   * that commits after that queues an earlier run of a key again, unseen by this claim, which
   * may take a later run of that key and commit after the replay; meanwhile another claimer,
   * whose snapshot shows the replayed run but not this uncommitted claim, takes the replayed one:
   * two runs of one key at once. So the runs of ordering keys a claim took are read again once it
   * has committed, in a new snapshot: of two claims that broke the rule together, the one that
   * committed last sees the other's run and hands its own back, as it was, before anyone starts
   * it. (A claim on ingest holds the key's lock, which a replay takes too.) Answers the ids handed
   * back; nothing is read when no run of an ordering key was claimed.
   */
  async function handBackOutOfTurn(claimed: ClaimedRow[], now: number): Promise<Set<string>> {
    const keyed = claimed.filter((row) => row.ordering_key !== null);
    if (keyed.length === 0) return new Set();
    const rows = await query<{ id: string }>(
      // A run taken over from a dead worker goes back queued, keeping the takeover this claim
      // counted: the next claim of a queued run counts none.
      `UPDATE runs r SET status = CASE WHEN v.was_status = 'running' THEN 'queued' ELSE v.was_status END, claimable_at = v.was_claimable_at,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = $5
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) AS v (id, fence, was_status, was_claimable_at)
       WHERE r.id = v.id AND r.fence = v.fence AND r.status = 'running' AND (
         EXISTS (
           SELECT 1 FROM runs b
           WHERE b.flow_id = r.flow_id AND b.ordering_key = r.ordering_key AND b.seq < r.seq AND b.claimable_at IS NOT NULL)
         OR EXISTS (
           SELECT 1 FROM runs l
           WHERE l.flow_id = r.flow_id AND l.ordering_key = r.ordering_key AND l.seq > r.seq AND l.claimable_at IS NOT NULL
             AND l.status = 'running' AND l.lease_expires_at > $5))
       RETURNING r.id, ${NOTIFY}::text`,
      [keyed.map((row) => row.id), keyed.map((row) => row.fence), keyed.map((row) => row.was_status), keyed.map((row) => row.was_claimable_at), now],
    );
    return new Set(rows.map((row) => row.id));
  }

  async function startCall(call: CallRequestRecord): Promise<StartedCall> {
    const values: unknown[] = [];
    const [started] = await query<StartedCall>(startCallStatement(call, values), values);
    if (started === undefined) throw new Error(`the call of run ${call.runId} at ${call.stepPath} was not recorded`);
    return started;
  }

  /** A fenced update of the run alone; $1 run id, $2 fence, then `values`. */
  async function fencedUpdate(runId: string, fence: number, set: string, values: unknown[], notify = false): Promise<void> {
    const returning = notify ? `RETURNING ${NOTIFY}::text` : 'RETURNING 1';
    requireLease(await query(`UPDATE runs SET ${set} ${FENCED} ${returning}`, [runId, fence, ...values]), runId);
  }

  /** `output` is the checkpoint's output already serialised (see `Store.checkpoint`). */
  async function writeCheckpoint(runId: string, fence: number, checkpoint: StepCheckpoint, options: CheckpointOptions, output: string | null): Promise<void> {
    const isParked = options.waitUntil !== undefined;
    const values: unknown[] = [runId, fence, options.now, checkpoint.path, output, checkpoint.outcome, options.effectKey ?? null];
    const parking = isParked
      ? `, status = 'waiting', due_at = $8, claimable_at = $8, lease_owner = NULL, lease_expires_at = NULL`
      : '';
    if (isParked) values.push(options.waitUntil);
    // One statement: the fenced run update, the checkpoint and the effect commit together or
    // not at all (the inserts read from the update, which a stale fence leaves empty).
    const rows = await query(
      `WITH run AS (
        UPDATE runs SET updated_at = $3, takeovers = 0,
          attempt_count = CASE WHEN attempt_path = $4 THEN 0 ELSE attempt_count END,
          attempt_first_at = CASE WHEN attempt_path = $4 THEN NULL ELSE attempt_first_at END,
          attempt_path = CASE WHEN attempt_path = $4 THEN NULL ELSE attempt_path END${parking}
        ${FENCED} RETURNING id, updated_at),
      saved AS (
        INSERT INTO checkpoints (run_id, path, output, outcome, created_at) SELECT id, $4, $5, $6, updated_at FROM run
        ON CONFLICT (run_id, path) DO UPDATE SET output = excluded.output, outcome = excluded.outcome, created_at = excluded.created_at),
      effect AS (
        INSERT INTO effects (key, run_id, step_path, status, result, created_at, done_at)
        SELECT $7, id, $4, 'done', $5, updated_at, updated_at FROM run WHERE $7::text IS NOT NULL
        ON CONFLICT (key) DO UPDATE SET status = 'done', result = excluded.result, done_at = excluded.done_at)
      SELECT ${isParked ? `${NOTIFY}::text` : '1'} FROM run`,
      values,
    );
    requireLease(rows, runId);
  }

  const store: PostgresStore = {
    ingest: async (event, claim) => {
      const needsLocks = claim !== undefined && (event.orderingKey !== null || claim.flowConcurrency !== undefined);
      if (!needsLocks) return ingestOne({ query }, event, claim, true);
      const locks = [
        ...(event.orderingKey === null ? [] : [orderingLock(event.flowId, event.orderingKey)]),
        ...(claim.flowConcurrency === undefined ? [] : [flowLock(event.flowId)]),
      ];
      return transaction((tx) => ingestOne(tx, event, claim, false), locks);
    },

    ingestParked: async (event, exception) => {
      const exceptionId = newId('exc', exception.now);
      const ingested = await insertOrFindOriginal({ query }, event, ingestStatement(event, { park: { exception, exceptionId }, lockInStatement: true }));
      if (ingested.status === 'duplicate') return ingested;
      return { status: 'accepted', eventId: event.id, runId: event.runId, exceptionId };
    },

    ingestBatch: (events, cursor) =>
      transaction(async (tx) => {
        const outcomes: IngestOutcome[] = [];
        for (const event of events) outcomes.push(await ingestOne(tx, event, undefined, true));
        if (cursor !== undefined) {
          await tx.query(
            `INSERT INTO poll_cursors (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
            [cursor.key, cursor.value, cursor.now],
          );
        }
        return outcomes;
      }),

    pollCursor: async (key) => (await query<{ value: string }>('SELECT value FROM poll_cursors WHERE key = $1', [key]))[0]?.value,

    claimRuns,

    renewLease: async (runId, fence, leaseUntil) =>
      (await query(`UPDATE runs SET lease_expires_at = $3, claimable_at = $3 ${FENCED} RETURNING 1`, [runId, fence, leaseUntil])).length > 0,

    checkpoint: (runId, fence, checkpoint, options) => writeCheckpoint(runId, fence, checkpoint, options, toJson(checkpoint.output)),

    completeRun: async (runId, fence, now) => {
      // One round trip: the completion, and the exceptions of earlier runs of the same record it
      // resolves (see `Store.completeRun`; a data-modifying CTE sees the runs as they were, which
      // changes none of the ids it reads).
      const [row] = await query<{ completed: boolean; resolved: string[] }>(
        `WITH done AS (
          UPDATE runs SET status = 'succeeded', finished_at = $3, updated_at = $3, claimable_at = NULL, lease_owner = NULL, lease_expires_at = NULL,
            last_error = NULL
          ${FENCED} RETURNING seq, flow_id, ordering_key, event_id),
        record AS (
          SELECT done.seq, done.flow_id, done.ordering_key, e.dedupe_key FROM done JOIN events e ON e.id = done.event_id),
        resolved AS (
          UPDATE exceptions x SET status = 'resolved', resolved_at = $3
          FROM record
          WHERE x.status = 'open' AND x.flow_id = record.flow_id AND x.run_id IN (
            SELECT o.id FROM runs o JOIN events oe ON oe.id = o.event_id
            WHERE o.flow_id = record.flow_id AND o.seq < record.seq AND (
              (record.ordering_key IS NOT NULL AND o.ordering_key = record.ordering_key)
              OR (record.ordering_key IS NULL AND oe.dedupe_key = record.dedupe_key)))
          RETURNING x.id)
        SELECT EXISTS (SELECT 1 FROM done) AS completed, ARRAY(SELECT id FROM resolved) AS resolved`,
        [runId, fence, now],
      );
      if (!row?.completed) throw new LeaseLostError(runId);
      return row.resolved;
    },

    scheduleRetry: (runId, fence, retry) =>
      // SET expressions see the row as it was, so the CASEs compare against the previous attempt_path.
      fencedUpdate(
        runId,
        fence,
        `status = 'waiting', due_at = $3, claimable_at = $3, updated_at = $4, lease_owner = NULL, lease_expires_at = NULL, last_error = $5,
          attempt_count = CASE WHEN attempt_path = $6 THEN attempt_count + 1 ELSE 1 END,
          attempt_first_at = CASE WHEN attempt_path = $6 THEN attempt_first_at ELSE $4 END,
          attempt_path = $6`,
        [retry.dueAt, retry.now, retry.error, retry.stepPath],
        true,
      ),

    postpone: (runId, fence, dueAt, now) =>
      fencedUpdate(runId, fence, `status = 'waiting', due_at = $3, claimable_at = $3, updated_at = $4, lease_owner = NULL, lease_expires_at = NULL`, [dueAt, now], true),

    releaseRun: (runId, fence, now) =>
      fencedUpdate(runId, fence, `status = 'queued', due_at = $3, claimable_at = $3, updated_at = $3, lease_owner = NULL, lease_expires_at = NULL`, [now], true),

    parkException: async (runId, fence, exception: NewException) => {
      const id = newId('exc', exception.now);
      const rows = await query(
        `WITH run AS (
          UPDATE runs SET status = 'exception', finished_at = $3, updated_at = $3, claimable_at = NULL,
            lease_owner = NULL, lease_expires_at = NULL, last_error = $4
          ${FENCED} RETURNING id, flow_id, event_id)
        INSERT INTO exceptions (id, run_id, flow_id, event_id, reason, message, step_path, input, last_response, status, created_at)
        SELECT $5, id, flow_id, event_id, $6, $4, $7, $8, $9, 'open', $3 FROM run RETURNING id`,
        [runId, fence, exception.now, exception.message, id, exception.reason, exception.stepPath, toJson(exception.input), toJson(exception.lastResponse)],
      );
      requireLease(rows, runId);
      return id;
    },

    getEffect: async (key) => {
      const [row] = await query<EffectRow>('SELECT * FROM effects WHERE key = $1', [key]);
      return row === undefined ? undefined : toEffect(row);
    },

    beginEffect: async ({ key, runId, stepPath, now, destination, requestHash, call }) => {
      // The insert answers the new row; a key already recorded answers nothing, so the CTE falls
      // back to reading it. The destination's hold and the call's audit record (unless the effect
      // is done: it is not sent again) ride along: one round trip before a request.
      const values: unknown[] = [key, runId, stepPath, now, destination ?? null, requestHash ?? null];
      const started = call === undefined ? '' : `, started AS (${startCallStatement(call, values, `CROSS JOIN effect WHERE effect.status = 'pending'`)})`;
      const [row] = await query<EffectRow & { hold_until: number | null; call_id: number | null; call_attempt: number | null }>(
        `WITH inserted AS (
          INSERT INTO effects (key, run_id, step_path, status, created_at, request_hash) VALUES ($1, $2, $3, 'pending', $4, $6)
          ON CONFLICT (key) DO NOTHING RETURNING *),
        effect AS (
          SELECT * FROM inserted
          UNION ALL SELECT * FROM effects WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM inserted))${started}
        SELECT effect.*, (SELECT until FROM destination_holds WHERE destination = $5) AS hold_until,
          ${call === undefined ? 'NULL AS call_id, NULL AS call_attempt' : '(SELECT id FROM started) AS call_id, (SELECT attempt FROM started) AS call_attempt'}
        FROM effect`,
        values,
      );
      if (row !== undefined) {
        const begun = { effect: toEffect(row), destinationHold: row.hold_until ?? undefined };
        return row.call_id === null || row.call_attempt === null ? begun : { ...begun, call: { id: row.call_id, attempt: row.call_attempt } };
      }
      // A concurrent begin of the same key (a taken-over run's stale worker) committed after this
      // statement's snapshot: its row is visible to the next statement.
      const [found] = await query<EffectRow & { hold_until: number | null }>(`SELECT *, (SELECT until FROM destination_holds WHERE destination = $2) AS hold_until FROM effects WHERE key = $1`, [
        key,
        destination ?? null,
      ]);
      if (found === undefined) throw new Error(`effect ${key} was neither inserted nor found`);
      const begun = { effect: toEffect(found), destinationHold: found.hold_until ?? undefined };
      return call === undefined || found.status === 'done' ? begun : { ...begun, call: await startCall(call) };
    },

    holdDestination: async (destination, until) => {
      // Holds only grow: a shorter Retry-After arriving late must not cut a longer pause short.
      await query(
        `INSERT INTO destination_holds (destination, until) VALUES ($1, $2)
         ON CONFLICT (destination) DO UPDATE SET until = GREATEST(destination_holds.until, excluded.until)`,
        [destination, until],
      );
    },

    startCall,

    completeCall: async (call) => {
      await query(
        `UPDATE calls SET status = $2, duration_ms = $3, response_headers = $4, response_body = $5, error = $6, awaiting_answer = 0, at = $7
         WHERE id = $1`,
        [call.id, call.status, Math.round(call.durationMs), JSON.stringify(call.responseHeaders), call.responseBody, call.error, call.at],
      );
    },

    discardCall: async (id) => {
      await query('DELETE FROM calls WHERE id = $1 AND awaiting_answer = 1', [id]);
    },

    recordCall: async (call: NewCallRecord) => {
      await query(
        `INSERT INTO calls (at, flow_id, run_id, step_path, attempt, method, url, status, duration_ms,
          request_headers, request_body, response_headers, response_body, error, connection)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          call.at,
          call.flowId,
          call.runId,
          call.stepPath,
          call.attempt,
          call.method,
          call.url,
          call.status,
          Math.round(call.durationMs),
          JSON.stringify(call.requestHeaders),
          call.requestBody,
          JSON.stringify(call.responseHeaders),
          call.responseBody,
          call.error,
          call.connection ?? null,
        ],
      );
    },

    listCalls: async (filter) => {
      // The latest `limit` calls, in the order they were made.
      const rows =
        filter.runId === undefined
          ? await query<CallRow>(`SELECT ${callColumns('c', '$2')} FROM (SELECT * FROM calls ORDER BY id DESC LIMIT $1) c ORDER BY c.id`, [filter.limit ?? DEFAULT_LIST_LIMIT, filter.now])
          : await query<CallRow>(`SELECT ${callColumns('c', '$2')} FROM (SELECT * FROM calls WHERE run_id = $3 ORDER BY id DESC LIMIT $1) c ORDER BY c.id`, [
              filter.limit ?? DEFAULT_LIST_LIMIT,
              filter.now,
              filter.runId,
            ]);
      return rows.map(toCallRecord);
    },

    getRun: async (runId) => {
      const [row] = await query<RunRow>(`SELECT ${RUN_COLUMNS}, ${CHECKPOINTS_COLUMN} FROM runs r JOIN events e ON e.id = r.event_id WHERE r.id = $1`, [runId]);
      return row === undefined ? undefined : toRunDetail(row);
    },

    listRuns: async (filter: RunFilter) => {
      const rows = await query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs r JOIN events e ON e.id = r.event_id
         WHERE ($1::text IS NULL OR r.flow_id = $1) AND ($2::text IS NULL OR r.status = $2)
         ORDER BY r.seq DESC LIMIT $3`,
        [filter.flowId ?? null, filter.status ?? null, filter.limit ?? DEFAULT_LIST_LIMIT],
      );
      return rows.map(toRunSummary);
    },

    countRuns: async (flowId) => {
      const rows = await query<{ status: RunStatus; n: number }>(
        'SELECT status, count(*) AS n FROM runs WHERE ($1::text IS NULL OR flow_id = $1) GROUP BY status',
        [flowId ?? null],
      );
      const counts = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },

    nextWakeAt: async () => (await query<{ at: number | null }>('SELECT min(claimable_at) AS at FROM runs WHERE claimable_at IS NOT NULL'))[0]?.at ?? undefined,

    listExceptions: async (filter: ExceptionFilter) => {
      const rows = await query<ExceptionRow>(
        `SELECT * FROM exceptions
         WHERE ($1::text IS NULL OR flow_id = $1) AND ($2::text IS NULL OR run_id = $2)
           AND ($3::text IS NULL OR reason = $3) AND ($4::text IS NULL OR status = $4)
         ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $5`,
        [filter.flowId ?? null, filter.runId ?? null, filter.reason ?? null, filter.status ?? null, filter.limit ?? DEFAULT_LIST_LIMIT],
      );
      return rows.map(toExceptionRecord);
    },

    exceptionsSince: async (sinceMs, limit) =>
      (await query<ExceptionRow>('SELECT * FROM exceptions WHERE created_at >= $1 ORDER BY created_at, id COLLATE "C" LIMIT $2', [sinceMs, limit])).map(toExceptionRecord),

    getException: async (id) => {
      const [row] = await query<ExceptionRow>('SELECT * FROM exceptions WHERE id = $1', [id]);
      return row === undefined ? undefined : toExceptionRecord(row);
    },

    replayException: (id, options) =>
      transaction(async (tx) => {
        // A claim on ingest of a later run of the key reads the rules under this lock: without it,
        // one that read them before this replay committed could commit its claim after, while
        // another claimer, not seeing that claim yet, takes the replayed run. The key is the one
        // the run is queued under: the new one when the replay gives one. The old key's needs no
        // lock: the parked run held back none of its runs, and after the replay it is not one.
        const [run] = await tx.query<{ flow_id: string; ordering_key: string | null }>(
          'SELECT r.flow_id, r.ordering_key FROM exceptions x JOIN runs r ON r.id = x.run_id WHERE x.id = $1',
          [id],
        );
        const hasOrderingKey = options.orderingKey !== undefined;
        const queuedUnder = hasOrderingKey ? options.orderingKey : run?.ordering_key;
        if (run !== undefined && queuedUnder !== undefined && queuedUnder !== null) {
          await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKeyText(orderingLock(run.flow_id, queuedUnder))]);
        }
        const exception = await lockOpenException(tx, id);
        const hasInput = options.input !== undefined;
        const replayed = await tx.query(
          `UPDATE runs SET status = 'queued', due_at = $2, claimable_at = $2, updated_at = $2, finished_at = NULL,
             lease_owner = NULL, lease_expires_at = NULL, last_error = NULL,
             attempt_path = NULL, attempt_count = 0, attempt_first_at = NULL, takeovers = 0,
             input_override = CASE WHEN $3 THEN $4 ELSE input_override END,
             ordering_key = CASE WHEN $5 THEN $6 ELSE ordering_key END
           WHERE id = $1 AND status = 'exception' RETURNING ${NOTIFY}::text`,
          [exception.run_id, options.now, hasInput, hasInput ? toJson(options.input) : null, hasOrderingKey, options.orderingKey ?? null],
        );
        if (replayed.length === 0) throw new NotReplayableError(`the run of exception ${id} is no longer parked`);
        if (hasInput) await tx.query('DELETE FROM checkpoints WHERE run_id = $1', [exception.run_id]);
        await tx.query(`UPDATE exceptions SET status = 'replayed', resolved_at = $2 WHERE id = $1`, [id, options.now]);
        return { runId: exception.run_id };
      }),

    discardException: async (id, now, comment) => {
      await transaction(async (tx) => {
        await lockOpenException(tx, id);
        await tx.query(`UPDATE exceptions SET status = 'discarded', resolved_at = $2, comment = $3 WHERE id = $1`, [id, now, comment ?? null]);
      });
    },

    connections: createPostgresConnectionStore(access),
    secrets: createPostgresSecretStorage(access),
    rateLimits: createPostgresRateLimitState(access),
    tokens: createPostgresTokenStore(access),
    adminAudit: createPostgresAdminAudit(access),
    flowStates: createPostgresFlowStates(access),
    xref: createPostgresXrefStore(access),
    reconciliations: createPostgresReconciliations(access),
    operations: createPostgresOperations(access),
    retention: createPostgresRetention(access),
    bulkJobs: createPostgresBulkJobs(access),
    ...createPostgresStats(access),
    alertIncidents: createPostgresAlertIncidents(access),

    onWorkAvailable: (listener) => notifier.subscribe(listener),

    stats: () => ({ queries: access.queryCount() }),

    close: async () => {
      if (isClosed) return;
      isClosed = true;
      await notifier.close();
      await pool.end();
    },
  };

  // The worker sends a run's checkpoints and its completion without waiting for each (SQLite's
  // write queue keeps them in order). On a pool they would race on different connections and a
  // completion could commit before the last checkpoint, which would then find the run finished.
  // So the writes on one run are sent one after another, in the order they were called.
  const runQueues = new Map<string, Promise<void>>();
  function inRunOrder<T>(runId: string, write: () => Promise<T>): Promise<T> {
    const result = (runQueues.get(runId) ?? Promise.resolve()).then(write);
    const tail = result.then(
      () => {},
      () => {},
    );
    runQueues.set(runId, tail);
    void tail.then(() => {
      if (runQueues.get(runId) === tail) runQueues.delete(runId);
    });
    return result;
  }

  return {
    ...store,
    renewLease: (runId, ...rest) => inRunOrder(runId, () => store.renewLease(runId, ...rest)),
    checkpoint: (runId, fence, checkpoint, options) => {
      // Serialised now, not when the run's queue gets to it: a value that is not JSON throws
      // before the run's next writes (its completion) are queued behind a write that cannot happen.
      const output = toJson(checkpoint.output);
      return inRunOrder(runId, () => writeCheckpoint(runId, fence, checkpoint, options, output));
    },
    completeRun: (runId, ...rest) => inRunOrder(runId, () => store.completeRun(runId, ...rest)),
    scheduleRetry: (runId, ...rest) => inRunOrder(runId, () => store.scheduleRetry(runId, ...rest)),
    postpone: (runId, ...rest) => inRunOrder(runId, () => store.postpone(runId, ...rest)),
    releaseRun: (runId, ...rest) => inRunOrder(runId, () => store.releaseRun(runId, ...rest)),
    parkException: (runId, ...rest) => inRunOrder(runId, () => store.parkException(runId, ...rest)),
    beginEffect: (effect) => inRunOrder(effect.runId, () => store.beginEffect(effect)),
  };
}

/** Locks the exception row for the transaction; throws unless it is open. */
async function lockOpenException(tx: PostgresTx, id: string): Promise<ExceptionRow> {
  const [row] = await tx.query<ExceptionRow>('SELECT * FROM exceptions WHERE id = $1 FOR UPDATE', [id]);
  if (row === undefined) throw new NotReplayableError(`exception ${id} does not exist`);
  if (row.status !== 'open') throw new NotReplayableError(`exception ${id} is already ${row.status}`);
  return row;
}
