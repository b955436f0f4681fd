import { PruneError, type PruneCounts, type PruneRequest, type PruneResult } from './store.ts';

/** One row of a prune's walk (a run by seq, a call by id), as both stores' walk queries answer it. */
export interface WalkedRow<K> {
  key: K;
  /** At or after the cutoff: this row and every later one are kept. */
  isYoung: boolean;
  isPrunable: boolean;
}

export interface WalkStep<K> {
  prunable: K[];
  /** Where the next batch starts (after this key); undefined when nothing was walked. */
  lastKey: K | undefined;
  /** The walk is over: a young row was reached, or the table's end. */
  isDone: boolean;
}

/**
 * One page of a walk in insertion order. Runs are created, and calls recorded, in nearly the
 * order of their times (seq and id are drawn at insert; a call's time moves at most by its wait
 * for a connection or the answer), so the first young row ends the walk: what follows is young
 * too, or a few moments out of order and pruned by the next prune. That bounds a prune's reads by
 * what is old (the rows it deletes and the old rows kept: a run waiting on a long delay, an open
 * exception), not by the table, without an index on the times that every write would update.
 */
export function walkPage<K>(rows: readonly WalkedRow<K>[], pageSize: number): WalkStep<K> {
  const prunable: K[] = [];
  let lastKey: K | undefined;
  for (const row of rows) {
    if (row.isYoung) return { prunable, lastKey, isDone: true };
    if (row.isPrunable) prunable.push(row.key);
    lastKey = row.key;
  }
  return { prunable, lastKey, isDone: rows.length < pageSize };
}

/** One batch of a prune's walk, as both stores take it: rows after `after` (a seq, an id), cut off at `before`. */
export interface BatchRequest<K = number> {
  before: number;
  after: K;
  limit: number;
  isDryRun: boolean;
  /** With runs: the calls cutoff, so a dry run counts a call once (see BATCH_ROWS). */
  callsBefore?: number | undefined;
}

export function noPruneCounts(): PruneCounts {
  return { runs: 0, events: 0, checkpoints: 0, effects: 0, exceptions: 0, xrefCreations: 0, calls: 0, bulkJobs: 0, bulkJobItems: 0 };
}

export function addPruneCounts(total: PruneCounts, more: Partial<PruneCounts>): void {
  for (const key of Object.keys(total) as (keyof PruneCounts)[]) total[key] += more[key] ?? 0;
}

/**
 * A jobs batch deletes at most `limit` items (a job swept by a filter can have thousands) and a
 * job once none of its items is left. When items of the batch's jobs are left over, the next
 * batch walks again from where this one began; each batch deletes items, so the walk ends.
 */
export function jobsPageAfterItems(page: WalkStep<string>, after: string, isItemsLeft: boolean): WalkStep<string> {
  return isItemsLeft ? { prunable: page.prunable, lastKey: after, isDone: false } : page;
}

/**
 * A store's prune, counting into `counts` batch by batch: a prune that fails part-way throws a
 * PruneError carrying what the committed batches deleted (the failed batch rolled back).
 */
export function reportingWhatWasDeleted(pruneInto: (request: PruneRequest, counts: PruneCounts) => Promise<PruneResult>): (request: PruneRequest) => Promise<PruneResult> {
  return async (request) => {
    const counts = noPruneCounts();
    try {
      return await pruneInto(request, counts);
    } catch (error) {
      throw new PruneError(counts, error);
    }
  };
}
