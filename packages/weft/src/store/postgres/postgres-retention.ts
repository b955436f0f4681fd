import { addPruneCounts, jobsPageAfterItems, reportingWhatWasDeleted, walkPage, type BatchRequest, type WalkStep } from '../retention-walk.ts';
import { HAND_OVER_DEDUPE_KEY_PREFIX, PRUNE_BATCH_SIZE, type PruneCounts, type PruneRequest, type PruneResult, type RetentionStore } from '../store.ts';
import { lockKey, type PostgresAccess, type PostgresTx } from './postgres-access.ts';

interface RunKey {
  seq: number;
  id: string;
  eventId: string;
}

/**
 * The advisory lock a batch holds, as SQL: held by the process pruning, batch by batch; another
 * process finding it taken leaves the work to it. Advisory locks are per database, and a prune
 * is per store, so the key includes the schema: two stores in one database (`schema`) never make
 * each other's prunes stop.
 */
export const PRUNE_LOCK_KEY = `(${lockKey('weft:retention').toString()}::bigint # hashtextextended(current_schema(), 0))`;

const OPEN_EXCEPTION_OF = (run: string) => `EXISTS (SELECT 1 FROM exceptions x WHERE x.run_id = ${run}.id AND x.status = 'open')`;

/** The run's event is a reconcile hand-over (its dedupe key begins with $4): kept, with its run, for good. */
const HAND_OVER_OF = (run: string) => `EXISTS (SELECT 1 FROM events e WHERE e.id = ${run}.event_id AND starts_with(e.dedupe_key, $4))`;

/**
 * As sqlite-retention.ts: runs by creation order, each with whether it may go. $1 cutoff, $2
 * after (seq), $3 limit, $4 the hand-overs' dedupe key prefix.
 */
const WALK_RUNS = `
  SELECT r.seq, r.id, r.event_id, r.created_at >= $1 AS is_young,
    (r.claimable_at IS NULL AND r.finished_at < $1 AND NOT ${OPEN_EXCEPTION_OF('r')} AND NOT ${HAND_OVER_OF('r')}
      AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.event_id = r.event_id AND o.id <> r.id
        AND (o.claimable_at IS NOT NULL OR o.finished_at >= $1 OR ${OPEN_EXCEPTION_OF('o')}))) AS is_prunable
  FROM runs r WHERE r.seq > $2 ORDER BY r.seq LIMIT $3`;

/** Calls by id, each with whether it may go: its run is gone, or terminal without an open exception. */
const WALK_CALLS = `
  SELECT c.id, c.at >= $1 AS is_young,
    NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = c.run_id AND (r.claimable_at IS NOT NULL OR ${OPEN_EXCEPTION_OF('r')})) AS is_prunable
  FROM calls c WHERE c.id > $2 ORDER BY c.id LIMIT $3`;

/** As sqlite-retention.ts: bulk jobs by id (creation order), each with whether it may go. $1 cutoff, $2 after (id), $3 limit. */
const WALK_JOBS = `
  SELECT id, created_at >= $1 AS is_young, (finished_at IS NOT NULL AND finished_at < $1) AS is_prunable
  FROM bulk_jobs WHERE id > $2 ORDER BY id LIMIT $3`;

/**
 * A batch's rows per table ($1 the runs, $2 their events, $3 dry run, $4 the calls cutoff). In
 * one statement the deletes share a snapshot and the foreign keys are checked at its end, so
 * their order does not matter; an event goes when no run outside the batch refers to it.
 */
const BATCH_ROWS: ReadonlyArray<[keyof PruneCounts, string]> = [
  ['xrefCreations', 'xref_creations WHERE effect_key IN (SELECT key FROM effects WHERE run_id = ANY($1::text[]))'],
  ['effects', 'effects WHERE run_id = ANY($1::text[])'],
  ['checkpoints', 'checkpoints WHERE run_id = ANY($1::text[])'],
  // A dry run leaves the calls that the calls cutoff takes anyway to be counted there, once.
  ['calls', 'calls WHERE run_id = ANY($1::text[]) AND (NOT $3::boolean OR $4::bigint IS NULL OR at >= $4::bigint)'],
  ['exceptions', 'exceptions WHERE run_id = ANY($1::text[])'],
  ['runs', 'runs WHERE id = ANY($1::text[])'],
  ['events', 'events e WHERE e.id = ANY($2::text[]) AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.event_id = e.id AND o.id <> ALL($1::text[]))'],
];

const DELETE_BATCH = `WITH ${BATCH_ROWS.map(([table, rows]) => `${table}_gone AS (DELETE FROM ${rows} RETURNING 1)`).join(',\n')}
  SELECT ${BATCH_ROWS.map(([table]) => `(SELECT count(*) FROM ${table}_gone) AS "${table}"`).join(', ')}`;
const COUNT_BATCH = `SELECT ${BATCH_ROWS.map(([table, rows]) => `(SELECT count(*) FROM ${rows}) AS "${table}"`).join(', ')}`;

/**
 * Retention on PostgreSQL: each batch is one transaction of three round trips (the lock, the
 * walk, the deletes). Deleting is idempotent, so two processes pruning at once would be correct,
 * but they would delete the same rows in different orders and could deadlock: a batch first tries
 * the prune's advisory lock, and a process that finds it taken stops, leaving the work to the one
 * pruning. A dry run only reads and takes no lock.
 */
export function createPostgresRetention({ query, transaction }: PostgresAccess): RetentionStore {
  /** A batch's work inside the prune's lock; undefined when another process holds it. */
  async function underLock<T>(work: (tx: PostgresTx) => Promise<T>): Promise<T | undefined> {
    return await transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${PRUNE_LOCK_KEY}) AS locked`);
      return lock?.locked === true ? await work(tx) : undefined;
    });
  }

  async function pruneRuns(tx: PostgresTx | PostgresAccess, request: BatchRequest): Promise<Batch<RunKey>> {
    const rows = await tx.query<{ seq: number; id: string; event_id: string; is_young: boolean; is_prunable: boolean }>(WALK_RUNS, [request.before, request.after, request.limit, HAND_OVER_DEDUPE_KEY_PREFIX]);
    const page = walkPage<RunKey>(
      rows.map((row) => ({ key: { seq: row.seq, id: row.id, eventId: row.event_id }, isYoung: row.is_young, isPrunable: row.is_prunable })),
      request.limit,
    );
    if (page.prunable.length === 0) return { page, counts: {} };
    const values = [page.prunable.map((run) => run.id), [...new Set(page.prunable.map((run) => run.eventId))], request.isDryRun, request.callsBefore ?? null];
    const [counts] = await tx.query<Record<keyof PruneCounts, number>>(request.isDryRun ? COUNT_BATCH : DELETE_BATCH, values);
    return { page, counts: counts ?? {} };
  }

  async function pruneCalls(tx: PostgresTx | PostgresAccess, request: BatchRequest): Promise<Batch<number>> {
    const rows = await tx.query<{ id: number; is_young: boolean; is_prunable: boolean }>(WALK_CALLS, [request.before, request.after, request.limit]);
    const page = walkPage<number>(
      rows.map((row) => ({ key: row.id, isYoung: row.is_young, isPrunable: row.is_prunable })),
      request.limit,
    );
    if (page.prunable.length > 0 && !request.isDryRun) await tx.query('DELETE FROM calls WHERE id = ANY($1::bigint[])', [page.prunable]);
    return { page, counts: { calls: page.prunable.length } };
  }

  /**
   * One batch of bulk jobs after `after` (an id): at most `limit` of their items, then each job
   * none of whose items is left (see jobsPageAfterItems). Two statements: the second sees what
   * the first deleted.
   */
  async function pruneJobs(tx: PostgresTx | PostgresAccess, request: BatchRequest<string>): Promise<Batch<string>> {
    const rows = await tx.query<{ id: string; is_young: boolean; is_prunable: boolean }>(WALK_JOBS, [request.before, request.after, request.limit]);
    const page = walkPage<string>(
      rows.map((row) => ({ key: row.id, isYoung: row.is_young, isPrunable: row.is_prunable })),
      request.limit,
    );
    if (page.prunable.length === 0) return { page, counts: {} };
    if (request.isDryRun) {
      const [items] = await tx.query<{ count: number }>('SELECT count(*) FROM bulk_job_items WHERE job_id = ANY($1::text[])', [page.prunable]);
      return { page, counts: { bulkJobs: page.prunable.length, bulkJobItems: items?.count ?? 0 } };
    }
    const [items] = await tx.query<{ count: number }>(
      `WITH gone AS (DELETE FROM bulk_job_items WHERE (job_id, position) IN (
         SELECT job_id, position FROM bulk_job_items WHERE job_id = ANY($1::text[]) LIMIT $2) RETURNING 1)
       SELECT count(*) FROM gone`,
      [page.prunable, request.limit],
    );
    const [jobs] = await tx.query<{ count: number }>(
      `WITH gone AS (DELETE FROM bulk_jobs j WHERE j.id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM bulk_job_items i WHERE i.job_id = j.id) RETURNING 1)
       SELECT count(*) FROM gone`,
      [page.prunable],
    );
    const jobsGone = jobs?.count ?? 0;
    return { page: jobsPageAfterItems(page, request.after, jobsGone < page.prunable.length), counts: { bulkJobs: jobsGone, bulkJobItems: items?.count ?? 0 } };
  }

  /** Walks one table batch by batch, from `start`; false when another process was found pruning. */
  async function walk<K, A>(
    request: PruneRequest,
    start: A,
    batch: (tx: PostgresTx | PostgresAccess, after: A) => Promise<Batch<K>>,
    keyOf: (key: K) => A,
    counts: PruneCounts,
  ): Promise<boolean> {
    const isDryRun = request.dryRun === true;
    for (let after = start; request.signal?.aborted !== true; ) {
      const done = isDryRun ? await batch({ query }, after) : await underLock((tx) => batch(tx, after));
      if (done === undefined) return false;
      addPruneCounts(counts, done.counts);
      if (done.page.isDone || done.page.lastKey === undefined) return true;
      after = keyOf(done.page.lastKey);
    }
    return true;
  }

  /** Walks runs, calls and jobs, adding what each committed batch deleted to `counts`. */
  async function pruneInto(request: PruneRequest, counts: PruneCounts): Promise<PruneResult> {
    const limit = request.batchSize ?? PRUNE_BATCH_SIZE;
    const isDryRun = request.dryRun === true;
    const { runsFinishedBefore: runsBefore, callsBefore } = request;
    if (runsBefore !== undefined) {
      const isWalked = await walk(request, 0, (tx, after) => pruneRuns(tx, { before: runsBefore, after, limit, isDryRun, callsBefore }), (run) => run.seq, counts);
      if (!isWalked) return { counts, yieldedToAnother: true };
    }
    if (callsBefore !== undefined) {
      const isWalked = await walk(request, 0, (tx, after) => pruneCalls(tx, { before: callsBefore, after, limit, isDryRun }), (id) => id, counts);
      if (!isWalked) return { counts, yieldedToAnother: true };
    }
    if (runsBefore !== undefined) {
      const isWalked = await walk(request, '', (tx, after) => pruneJobs(tx, { before: runsBefore, after, limit, isDryRun }), (id) => id, counts);
      if (!isWalked) return { counts, yieldedToAnother: true };
    }
    return { counts, yieldedToAnother: false };
  }

  return { prune: reportingWhatWasDeleted(pruneInto) };
}

interface Batch<K> {
  page: WalkStep<K>;
  counts: Partial<PruneCounts>;
}
