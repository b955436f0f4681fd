import type { Clock } from '../../core/clock.ts';
import { orderingKeyOfRunInput, OrderingKeyError } from '../../engine/engine.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import { JobLeaseLostError, NotReplayableError, StoreUnavailableError } from '../../store/store.ts';
import type { AdminAuditEntry, BulkJob, BulkJobItem, NewBulkJob, Store } from '../../store/store.ts';

/**
 * How often an idle process looks for a job nobody holds: one whose process died is taken up
 * within this of its lease's end. A job started here is taken at once (the route wakes the worker).
 */
export const JOB_POLL_INTERVAL_MS = 2_000;
/** Items read per query: a page of a job's list, not the whole of a large one at once. */
const ITEMS_PAGE = 100;

/** What an exception is once this job's action has been applied to it. */
const STATUS_AFTER: Record<BulkJob['action'], string> = { replay: 'replayed', discard: 'discarded' };

interface JobLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface JobRunnerOptions {
  store: Pick<Store, 'bulkJobs' | 'replayException' | 'discardException' | 'getException' | 'getRun'>;
  /**
   * A flow this process has loaded, enabled or not (the API's flow switch): a replayed run's
   * ordering key is read again by it. Undefined for a flow unknown here.
   */
  flowOf(flowId: string): LoadedFlow | undefined;
  clock: Clock;
  log: JobLog;
  /** This process, as the holder of a job's lease. */
  owner: string;
  /** How long a claim holds a job without an item begun; each item begun extends it. */
  leaseMs: number;
  /** Default `JOB_POLL_INTERVAL_MS`. */
  intervalMs?: number;
  /** Called after each replay: the replayed run is due now (the engine's kick). */
  afterReplay?: () => void;
}

export interface JobRunner {
  /** Saves the job with its audit entry (one write) for whichever process takes it, and wakes this process's worker. */
  start(job: NewBulkJob, audit: AdminAuditEntry): Promise<BulkJob>;
  get(id: string): Promise<BulkJob | undefined>;
  /** Resolves when this process has no job left to take: every job it could claim has finished (tests, shutdown). */
  idle(): Promise<void>;
  /** Begins working jobs: at once, when a job is started here, and every `intervalMs`. */
  run(): void;
  /** Takes no more jobs; the item under way finishes and its job is handed back, for another process or the next start. */
  stop(): Promise<void>;
}

type PassOutcome = 'worked' | 'none' | 'failed';

/**
 * Bulk replays and discards as durable jobs (ADR-0016). The job and its items are in the store, so
 * any process answers its progress; one process at a time works it, under a lease and a fence as
 * runs are claimed. Each item is one store transaction of its own (`replayException`,
 * `discardException`) between a fenced begin and a fenced record: a job whose process stopped is
 * taken up by another, or by this one after a restart, at its first item without an outcome.
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { store, clock, log, owner, leaseMs } = options;
  let isRunning = false;
  let isStopping = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<PassOutcome> | undefined;
  /** Set by every wake: a pass that began before a job was started looks once more before it ends. */
  let isWanted = false;

  function wake(): Promise<PassOutcome> {
    if (!isRunning || isStopping) return Promise.resolve('none');
    isWanted = true;
    pass ??= workWhileWanted().finally(() => {
      pass = undefined;
    });
    return pass;
  }

  async function workWhileWanted(): Promise<PassOutcome> {
    let outcome: PassOutcome = 'none';
    try {
      while (isWanted && !isStopping) {
        isWanted = false;
        for (;;) {
          if (isStopping) break;
          const job = await store.bulkJobs.claim({ owner, now: clock.now(), leaseMs });
          if (job === undefined) break;
          // A job that fails here is left for the next look (its lease handed back): not claimed again at once.
          if (!(await work(job))) return 'failed';
          outcome = 'worked';
        }
      }
    } catch (error) {
      log.warn({ err: error }, 'bulk_job.claim_failed');
      return 'failed';
    }
    return outcome;
  }

  /** Works the job's items in order until none is left or this process stops; false when it had to give the job up. */
  async function work(job: BulkJob): Promise<boolean> {
    if (job.fence > 1) log.info({ jobId: job.id, done: job.done, total: job.total }, 'bulk_job.resumed');
    let after = -1;
    try {
      for (;;) {
        const items = await store.bulkJobs.pendingItems(job.id, after, ITEMS_PAGE);
        if (items.length === 0) return true;
        for (const item of items) {
          if (isStopping) {
            await store.bulkJobs.release(job.id, job.fence);
            log.info({ jobId: job.id }, 'bulk_job.released');
            return true;
          }
          await store.bulkJobs.beginItem(job.id, job.fence, item.position, clock.now() + leaseMs);
          const outcome = await act(job, item);
          const recorded = await store.bulkJobs.recordItem(job.id, job.fence, item.position, outcome, clock.now());
          if (recorded.finishedAt !== null) log.info({ jobId: job.id, action: job.action, total: recorded.total, failed: recorded.failed }, 'bulk_job.finished');
          after = item.position;
        }
      }
    } catch (error) {
      // Another process took the job over (this one was paused past its lease): it is theirs now.
      if (error instanceof JobLeaseLostError) {
        log.warn({ jobId: job.id }, 'bulk_job.lease_lost');
        return true;
      }
      log.warn({ err: error, jobId: job.id }, 'bulk_job.interrupted');
      await store.bulkJobs.release(job.id, job.fence).catch(() => false);
      return false;
    }
  }

  async function act(job: BulkJob, item: BulkJobItem): Promise<'done' | 'failed'> {
    try {
      if (job.action === 'replay') {
        await store.replayException(item.exceptionId, { now: clock.now(), ...(await orderingKeyOfReplay(item.exceptionId)) });
        options.afterReplay?.();
      } else {
        await store.discardException(item.exceptionId, clock.now(), job.comment ?? undefined);
      }
      return 'done';
    } catch (error) {
      // The store cannot answer now: the job is handed back and the item tried again later.
      if (error instanceof StoreUnavailableError) throw error;
      // An item's outcome is only done or failed: why it failed is said here, once.
      if (error instanceof OrderingKeyError) {
        log.warn({ jobId: job.id, exceptionId: item.exceptionId, reason: `${error.message}: not replayed` }, 'bulk_job.item_failed');
        return 'failed';
      }
      if (!(error instanceof NotReplayableError)) {
        log.warn({ err: error, jobId: job.id, exceptionId: item.exceptionId }, 'bulk_job.item_failed');
        return 'failed';
      }
      // No longer open. Begun by an earlier claim and left as this job leaves it: that claim's
      // process acted, then stopped before recording it. Otherwise someone else closed it.
      if (item.begun && (await store.getException(item.exceptionId))?.status === STATUS_AFTER[job.action]) return 'done';
      return 'failed';
    }
  }

  /**
   * The replayed run's ordering key, as the single replay reads it (exceptions.ts): by its flow as
   * loaded now, on the run's current input; throws `OrderingKeyError` when the expression fails on
   * it, and the item fails rather than run without a key. Nothing (the stored key is kept) for a
   * flow this process has not loaded, whose run waits for an engine that has it; and for an
   * exception no longer open, which the replay refuses as before.
   */
  async function orderingKeyOfReplay(exceptionId: string): Promise<{ orderingKey?: string | null }> {
    const exception = await store.getException(exceptionId);
    if (exception?.status !== 'open') return {};
    const flow = options.flowOf(exception.flowId);
    const run = flow === undefined ? undefined : await store.getRun(exception.runId);
    if (flow === undefined || run === undefined) return {};
    return { orderingKey: await orderingKeyOfRunInput(flow, run.event) };
  }

  return {
    async start(job, audit) {
      const created = await store.bulkJobs.create(job, audit);
      void wake();
      return created;
    },
    get: (id) => store.bulkJobs.get(id),
    async idle() {
      while ((await wake()) === 'worked');
    },
    run() {
      if (isRunning) return;
      isRunning = true;
      timer = setInterval(() => void wake(), options.intervalMs ?? JOB_POLL_INTERVAL_MS);
      timer.unref();
      void wake();
    },
    async stop() {
      isStopping = true;
      clearInterval(timer);
      await pass;
      isRunning = false;
    },
  };
}
