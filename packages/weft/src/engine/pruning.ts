import type { Clock } from '../core/clock.ts';
import { PruneError, type PruneCounts, type PruneResult, type Store } from '../store/store.ts';

/** How long finished work is kept (`retentionRuns`, `retentionCalls`); undefined: kept for ever. */
export interface RetentionPolicy {
  runsMs: number | undefined;
  callsMs: number | undefined;
}

/** The first prune waits this long after start: a restart does not begin with a burst of deletes. */
export const FIRST_PRUNE_DELAY_MS = 60_000;
/** Then one prune an hour: what a busy hour adds is a few batches. */
export const PRUNE_INTERVAL_MS = 3_600_000;

interface PruneLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface PruningOptions {
  store: Pick<Store, 'retention'>;
  clock: Clock;
  log: PruneLog;
  retention: RetentionPolicy;
  /** Told the rows each prune deleted, also one that failed part-way (the metrics' counter). */
  onPruned?: (counts: PruneCounts) => void;
  /** Defaults `FIRST_PRUNE_DELAY_MS` and `PRUNE_INTERVAL_MS`. */
  firstDelayMs?: number;
  intervalMs?: number;
}

export interface Pruning {
  /** One prune with its cutoffs from the clock, now; one already under way is joined instead of run twice. */
  prune(): Promise<PruneResult>;
  /** No more prunes; the one under way stops after its batch, and this resolves when it has. */
  stop(): Promise<void>;
}

/**
 * Prunes finished work past its retention (ADR-0015) on a timer, one prune at a time, off the
 * ingest path: each batch is a short transaction of its own, so webhooks and runs carry on
 * between them. Several processes on one PostgreSQL store each start one; a process that finds
 * another pruning stops and leaves it the work.
 */
export function startPruning(options: PruningOptions): Pruning {
  const { store, clock, log, retention } = options;
  const stopping = new AbortController();
  let running: Promise<PruneResult> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function pruneNow(): Promise<PruneResult> {
    const now = clock.now();
    const runsFinishedBefore = retention.runsMs === undefined ? undefined : now - retention.runsMs;
    const callsBefore = retention.callsMs === undefined ? undefined : now - retention.callsMs;
    const cutoffs = {
      ...(runsFinishedBefore === undefined ? {} : { runsFinishedBefore: new Date(runsFinishedBefore).toISOString() }),
      ...(callsBefore === undefined ? {} : { callsBefore: new Date(callsBefore).toISOString() }),
    };
    let result: PruneResult;
    try {
      result = await store.retention.prune({
        ...(runsFinishedBefore === undefined ? {} : { runsFinishedBefore }),
        ...(callsBefore === undefined ? {} : { callsBefore }),
        signal: stopping.signal,
      });
    } catch (error) {
      // The batches committed before the failure stay deleted: the one line of this prune says
      // what they deleted, and the counter counts them, as for a prune that ended.
      const deleted = error instanceof PruneError ? error.counts : undefined;
      log.warn({ ...deleted, ...cutoffs, ms: clock.now() - now, err: error instanceof PruneError ? error.cause : error }, 'retention.failed');
      if (deleted !== undefined) options.onPruned?.(deleted);
      throw error;
    }
    log.info(
      {
        ...result.counts,
        ...cutoffs,
        ms: clock.now() - now,
        ...(result.yieldedToAnother ? { yieldedToAnother: true } : {}),
        ...(stopping.signal.aborted ? { stopped: true } : {}),
      },
      'retention.pruned',
    );
    options.onPruned?.(result.counts);
    return result;
  }

  function prune(): Promise<PruneResult> {
    running ??= pruneNow().finally(() => {
      running = undefined;
    });
    return running;
  }

  const schedule = (delayMs: number) => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      prune()
        .catch(() => {}) // logged by pruneNow (retention.failed); tried again at the next interval
        .finally(() => schedule(options.intervalMs ?? PRUNE_INTERVAL_MS));
    }, delayMs);
    timer.unref();
  };
  if (retention.runsMs !== undefined || retention.callsMs !== undefined) schedule(options.firstDelayMs ?? FIRST_PRUNE_DELAY_MS);

  return {
    prune,
    stop: async () => {
      stopping.abort();
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
