import { addPruneCounts, jobsPageAfterItems, reportingWhatWasDeleted, walkPage, type BatchRequest, type WalkStep } from '../retention-walk.ts';
import { HAND_OVER_DEDUPE_KEY_PREFIX, PRUNE_BATCH_SIZE, type PruneCounts, type PruneRequest, type PruneResult, type RetentionStore } from '../store.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

interface RunKey {
  seq: number;
  id: string;
  eventId: string;
}

const OPEN_EXCEPTION_OF = (run: string) => `EXISTS (SELECT 1 FROM exceptions x WHERE x.run_id = ${run}.id AND x.status = 'open')`;

/** The run's event is a reconcile hand-over (its dedupe key begins with @handOverPrefix): kept, with its run, for good. */
const HAND_OVER_OF = (run: string) =>
  `EXISTS (SELECT 1 FROM events e WHERE e.id = ${run}.event_id AND substr(e.dedupe_key, 1, length(@handOverPrefix)) = @handOverPrefix)`;

/**
 * Runs by creation order, each with whether it may go: terminal, finished before the cutoff, no
 * open exception, not a reconcile hand-over, and no other run of its event that must stay (an
 * event goes with its runs; a hand-over's mark is its event's, so it holds all of them).
 */
const WALK_RUNS = `
  SELECT r.seq, r.id, r.event_id, r.created_at >= @before AS is_young,
    r.claimable_at IS NULL AND r.finished_at < @before AND NOT ${OPEN_EXCEPTION_OF('r')} AND NOT ${HAND_OVER_OF('r')}
      AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.event_id = r.event_id AND o.id <> r.id
        AND (o.claimable_at IS NOT NULL OR o.finished_at >= @before OR ${OPEN_EXCEPTION_OF('o')})) AS is_prunable
  FROM runs r WHERE r.seq > @after ORDER BY r.seq LIMIT @limit`;

/** Calls by id, each with whether it may go: its run is gone, or terminal without an open exception. */
const WALK_CALLS = `
  SELECT c.id, c.at >= @before AS is_young,
    NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = c.run_id AND (r.claimable_at IS NOT NULL OR ${OPEN_EXCEPTION_OF('r')})) AS is_prunable
  FROM calls c WHERE c.id > @after ORDER BY c.id LIMIT @limit`;

/**
 * Bulk jobs by id, which is drawn from the time of creation (`newId`), so in creation order; each
 * with whether it may go: finished before the cutoff (never a job still being worked).
 */
const WALK_JOBS = `
  SELECT id, created_at >= @before AS is_young, finished_at IS NOT NULL AND finished_at < @before AS is_prunable
  FROM bulk_jobs WHERE id > @after ORDER BY id LIMIT @limit`;

const BATCH_JOBS = '(SELECT value FROM json_each(@jobs))';

const BATCH_RUNS = '(SELECT value FROM json_each(@runs))';

/**
 * A batch's rows, per table, children before parents (the foreign keys are checked per
 * statement). What an effect created goes before the effect that names it. An event goes when
 * no run outside the batch refers to it: the same answer before the batch's runs are deleted (a
 * dry run) and after.
 */
const BATCH_ROWS: ReadonlyArray<[keyof PruneCounts, string]> = [
  ['xrefCreations', `xref_creations WHERE effect_key IN (SELECT key FROM effects WHERE run_id IN ${BATCH_RUNS})`],
  ['effects', `effects WHERE run_id IN ${BATCH_RUNS}`],
  ['checkpoints', `checkpoints WHERE run_id IN ${BATCH_RUNS}`],
  // A dry run leaves the calls that the calls cutoff takes anyway to be counted there, once.
  ['calls', `calls WHERE run_id IN ${BATCH_RUNS} AND (@dryRun = 0 OR @callsBefore IS NULL OR at >= @callsBefore)`],
  ['exceptions', `exceptions WHERE run_id IN ${BATCH_RUNS}`],
  ['runs', `runs WHERE id IN ${BATCH_RUNS}`],
  ['events', `events WHERE id IN (SELECT value FROM json_each(@events)) AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.event_id = events.id AND o.id NOT IN ${BATCH_RUNS})`],
];

/**
 * Retention on SQLite. Each batch is one closure on the write queue: it commits with whatever
 * else is queued (ADR-0002) and, bounded to a batch, holds the queue for milliseconds; ingest
 * and checkpoints queued meanwhile commit between two batches. A dry run only reads.
 */
export function createSqliteRetention({ sql, read, write }: SqliteAccess): RetentionStore {
  /** One batch of runs after `after` (a seq): the walk's next step and the rows it deleted, or would. */
  function pruneRuns(request: BatchRequest): { page: WalkStep<RunKey>; counts: Partial<PruneCounts> } {
    const rows = sql(WALK_RUNS).all({ before: request.before, after: request.after, limit: request.limit, handOverPrefix: HAND_OVER_DEDUPE_KEY_PREFIX }) as RunWalkRow[];
    const page = walkPage<RunKey>(
      rows.map((row) => ({ key: { seq: row.seq, id: row.id, eventId: row.event_id }, isYoung: row.is_young === 1, isPrunable: row.is_prunable === 1 })),
      request.limit,
    );
    const counts: Partial<PruneCounts> = {};
    if (page.prunable.length === 0) return { page, counts };
    const batch = {
      runs: JSON.stringify(page.prunable.map((run) => run.id)),
      events: JSON.stringify([...new Set(page.prunable.map((run) => run.eventId))]),
      dryRun: request.isDryRun ? 1 : 0,
      callsBefore: request.callsBefore ?? null,
    };
    for (const [table, rowsOf] of BATCH_ROWS) {
      counts[table] = request.isDryRun ? (sql(`SELECT count(*) FROM ${rowsOf}`).pluck().get(batch) as number) : sql(`DELETE FROM ${rowsOf}`).run(batch).changes;
    }
    return { page, counts };
  }

  /** One batch of calls after `after` (an id). */
  function pruneCalls(request: BatchRequest): { page: WalkStep<number>; counts: Partial<PruneCounts> } {
    const rows = sql(WALK_CALLS).all({ before: request.before, after: request.after, limit: request.limit }) as CallWalkRow[];
    const page = walkPage<number>(
      rows.map((row) => ({ key: row.id, isYoung: row.is_young === 1, isPrunable: row.is_prunable === 1 })),
      request.limit,
    );
    if (page.prunable.length > 0 && !request.isDryRun) sql('DELETE FROM calls WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(page.prunable));
    return { page, counts: { calls: page.prunable.length } };
  }

  /**
   * One batch of bulk jobs after `after` (an id): at most `limit` of their items, then each job
   * none of whose items is left (see jobsPageAfterItems).
   */
  function pruneJobs(request: BatchRequest<string>): { page: WalkStep<string>; counts: Partial<PruneCounts> } {
    const rows = sql(WALK_JOBS).all({ before: request.before, after: request.after, limit: request.limit }) as JobWalkRow[];
    const page = walkPage<string>(
      rows.map((row) => ({ key: row.id, isYoung: row.is_young === 1, isPrunable: row.is_prunable === 1 })),
      request.limit,
    );
    if (page.prunable.length === 0) return { page, counts: {} };
    const jobs = JSON.stringify(page.prunable);
    if (request.isDryRun) {
      const items = sql(`SELECT count(*) FROM bulk_job_items WHERE job_id IN ${BATCH_JOBS}`).pluck().get({ jobs }) as number;
      return { page, counts: { bulkJobs: page.prunable.length, bulkJobItems: items } };
    }
    const items = sql(`DELETE FROM bulk_job_items WHERE rowid IN (SELECT rowid FROM bulk_job_items WHERE job_id IN ${BATCH_JOBS} LIMIT @limit)`).run({ jobs, limit: request.limit }).changes;
    const jobsGone = sql(`DELETE FROM bulk_jobs WHERE id IN ${BATCH_JOBS} AND NOT EXISTS (SELECT 1 FROM bulk_job_items i WHERE i.job_id = bulk_jobs.id)`).run({ jobs }).changes;
    return { page: jobsPageAfterItems(page, request.after, jobsGone < page.prunable.length), counts: { bulkJobs: jobsGone, bulkJobItems: items } };
  }

  /** Walks runs, calls and jobs, adding what each committed batch deleted to `counts`. */
  async function pruneInto(request: PruneRequest, counts: PruneCounts): Promise<PruneResult> {
    const limit = request.batchSize ?? PRUNE_BATCH_SIZE;
    const isDryRun = request.dryRun === true;
    const inTransaction = isDryRun ? read : write;
    if (request.runsFinishedBefore !== undefined) {
      const before = request.runsFinishedBefore;
      for (let after = 0; request.signal?.aborted !== true; ) {
        const { page, counts: deleted } = await inTransaction(() => pruneRuns({ before, after, limit, isDryRun, callsBefore: request.callsBefore }));
        addPruneCounts(counts, deleted);
        if (page.isDone || page.lastKey === undefined) break;
        after = page.lastKey.seq;
      }
    }
    if (request.callsBefore !== undefined) {
      const before = request.callsBefore;
      for (let after = 0; request.signal?.aborted !== true; ) {
        const { page, counts: deleted } = await inTransaction(() => pruneCalls({ before, after, limit, isDryRun }));
        addPruneCounts(counts, deleted);
        if (page.isDone || page.lastKey === undefined) break;
        after = page.lastKey;
      }
    }
    if (request.runsFinishedBefore !== undefined) {
      const before = request.runsFinishedBefore;
      for (let after = ''; request.signal?.aborted !== true; ) {
        const { page, counts: deleted } = await inTransaction(() => pruneJobs({ before, after, limit, isDryRun }));
        addPruneCounts(counts, deleted);
        if (page.isDone || page.lastKey === undefined) break;
        after = page.lastKey;
      }
    }
    return { counts, yieldedToAnother: false };
  }

  return { prune: reportingWhatWasDeleted(pruneInto) };
}

interface RunWalkRow {
  seq: number;
  id: string;
  event_id: string;
  is_young: number;
  is_prunable: number;
}

interface CallWalkRow {
  id: number;
  is_young: number;
  is_prunable: number;
}

interface JobWalkRow {
  id: string;
  is_young: number;
  is_prunable: number;
}
