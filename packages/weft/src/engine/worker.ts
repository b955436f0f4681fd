import type { Logger } from 'pino';
import type { Clock, Random } from '../core/clock.ts';
import type { StepFailure } from '../core/run.ts';
import { stepIdsAlong } from '../core/step-path.ts';
import type { LoadedFlow } from '../flows/load-flow.ts';
import { ExpressionError } from '../transforms/expression.ts';
import { LeaseLostError, StoreUnavailableError, type ClaimedRun, type Store } from '../store/store.ts';
import { executeRun, stepPathOf, type CheckpointSink, type ExecutorDeps } from './executor.ts';
import { nextAttempt, resolveRetryPolicy } from './retry-policy.ts';
import { createLogThrottle } from '../core/log-throttle.ts';
import { PostponeError, StepFailedError } from './step-failure.ts';
import type { Step } from '../flows/flow-schema.ts';

export interface WorkerOptions {
  workerId: string;
  store: Store;
  clock: Clock;
  random: Random;
  log: Logger;
  executor: ExecutorDeps;
  /** The flows this worker runs, by id; replaced on reload. */
  flows: () => Map<string, LoadedFlow>;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** Claim nothing until `start()`: a server starts its worker once it listens, so a failed start has run nothing. */
  startIdle?: boolean;
}

export interface Worker {
  /** Begin claiming (a worker made with `startIdle`); nothing otherwise. */
  start(): void;
  /** Something became due (an ingest, a replay): look now instead of at the next poll. */
  kick(): void;
  /**
   * Hold a slot for a run the caller is about to claim itself (at ingest). False when the
   * worker is full, stopping, or has a backlog, which older runs should get first.
   */
  reserve(): boolean;
  /** Start a run claimed with a reserved slot; `undefined` gives the slot back. */
  startReserved(run: ClaimedRun | undefined): void;
  /** Runs in flight now. */
  inFlight(): number;
  /** Stop claiming; wait up to `graceMs` for in-flight runs, then hand the rest back. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Takeovers (the run's worker died or hung with its lease) without a step checkpointed in
 * between, after which a run is parked rather than claimed again. A crash or deploy now and then
 * takes over a run once; five in a row on the same step is the run itself.
 */
const MAX_TAKEOVERS = 5;
/** At most one log line per this interval while claims keep failing. */
const CLAIM_FAILURE_LOG_INTERVAL_MS = 10_000;
/** How long a run whose writes the store refused waits before it is tried again (ingest answers Retry-After: 1 alike). */
const STORE_RETRY_MS = 1000;

/** Claim → execute → record, with leases renewed while a run executes (guarantee 7). */
export function startWorker(options: WorkerOptions): Worker {
  const { store, clock, log } = options;
  const running = new Map<string, { run: ClaimedRun; abort: AbortController; done: Promise<void> }>();
  let stopping = false;
  let claiming = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let isWakeScheduled = false;
  let kicked = false;
  let reserved = 0;
  /** The last claim filled every free slot: more runs are probably waiting in the store. */
  let backlogged = false;
  /**
   * Something may have become claimable since the store last had nothing for this worker. While
   * false, a run that ends plainly frees only its own slot, and looking for more would be a
   * claim query per run that finds nothing: ingest claims new runs itself.
   */
  let mayHaveDueRuns = true;
  /** The instant the worker last looked for due runs: whatever was due then and not taken it could not take. */
  let lookedAt = clock.now();

  let isStarted = options.startIdle !== true;
  const claimFailures = createLogThrottle(clock, CLAIM_FAILURE_LOG_INTERVAL_MS);

  const kick = () => {
    mayHaveDueRuns = true;
    kicked = true;
    if (isStarted && !claiming && !stopping) queueMicrotask(() => void claimLoop());
  };

  async function claimLoop(): Promise<void> {
    if (claiming || stopping) return;
    claiming = true;
    let isFull = false;
    try {
      while (!stopping) {
        kicked = false;
        lookedAt = clock.now();
        const capacity = options.concurrency - running.size - reserved;
        isFull = capacity <= 0;
        if (isFull) break;
        const flows = options.flows();
        if (flows.size === 0) break;
        const claimed = await store.claimRuns({
          workerId: options.workerId,
          now: lookedAt,
          leaseMs: options.leaseMs,
          limit: capacity,
          flowIds: [...flows.keys()],
          flowConcurrency: Object.fromEntries(
            [...flows.values()].filter((f) => f.flow.concurrency !== undefined).map((f) => [f.flow.id, f.flow.concurrency!]),
          ),
        });
        for (const run of claimed) startRun(run);
        backlogged = claimed.length === capacity;
        if (claimed.length < capacity && !kicked) {
          mayHaveDueRuns = false;
          break;
        }
      }
    } catch (error) {
      // A store that refuses writes (locked, full) fails every claim until it recovers.
      const failures = claimFailures.occurred();
      if (failures !== undefined) log.error({ err: error, failures }, 'worker.claim_failed');
    } finally {
      claiming = false;
    }
    // Full, with a look already scheduled: the next run to end looks again anyway, and asking
    // the store for its next due time after every claim under a backlog is a query per run.
    if (stopping || (isFull && isWakeScheduled)) return;
    await scheduleWake();
  }

  async function scheduleWake(): Promise<void> {
    clearTimeout(wakeTimer);
    isWakeScheduled = false;
    let delay = options.pollIntervalMs;
    try {
      const next = await store.nextWakeAt();
      // A run already due at the last look that was not claimed is one this worker cannot take
      // yet (behind its ordering key, its flow at its cap or not loaded here, or no free slot):
      // looking again at once would find nothing, over and over. What frees it (a run ending
      // here, PostgreSQL's NOTIFY, an ingest) kicks the worker; the poll interval covers the rest.
      if (next !== undefined && next > lookedAt) delay = Math.max(0, Math.min(delay, next - clock.now()));
    } catch {
      // the poll interval still applies
    }
    wakeTimer = setTimeout(() => {
      isWakeScheduled = false;
      void claimLoop();
    }, delay);
    wakeTimer.unref?.();
    isWakeScheduled = true;
  }

  function startRun(run: ClaimedRun): void {
    const abort = new AbortController();
    const renewEvery = Math.max(50, Math.floor(options.leaseMs / 3));
    const renewal = setInterval(() => {
      store.renewLease(run.id, run.fence, clock.now() + options.leaseMs).then(
        (held) => {
          if (!held) abort.abort(new LeaseLostError(run.id));
        },
        (error) => log.warn({ err: error, runId: run.id }, 'run.lease_renewal_failed'),
      );
    }, renewEvery);
    const done = processRun(run, abort.signal)
      .catch((error) => {
        log.error({ err: error, runId: run.id }, 'run.record_failed');
        return false;
      })
      .then((endedPlainly) => {
        clearInterval(renewal);
        running.delete(run.id);
        if (!endedPlainly || mayHaveDueRuns) kick();
      });
    running.set(run.id, { run, abort, done });
  }

  /**
   * True when the run ended plainly: completed, in a flow whose runs hold back no other run (no
   * ordering key, no concurrency cap), so its end makes nothing new claimable.
   */
  async function processRun(run: ClaimedRun, signal: AbortSignal): Promise<boolean> {
    const flow = options.flows().get(run.flowId);
    if (!flow) {
      // Unloaded between claim and start (a reload): hand it back for whoever has the flow.
      await store.releaseRun(run.id, run.fence, clock.now());
      return false;
    }
    if (run.takeovers >= MAX_TAKEOVERS) {
      await parkRunaway(flow, run);
      return false;
    }
    const sink = createRunSink(store, run, clock);
    try {
      const result = await executeRun(options.executor, flow, run, sink, signal);
      if (result.status === 'completed') sink.defer(store.completeRun(run.id, run.fence, clock.now()));
      await sink.settle();
      return result.status === 'completed' && flow.flow.orderingKey === undefined && flow.flow.concurrency === undefined;
    } catch (caught) {
      // What the run queued before failing still counts (earlier checkpoints, the audit record).
      const error = await sink.settle().then(
        () => caught,
        (writeError: unknown) => (writeError instanceof LeaseLostError || writeError instanceof StoreUnavailableError ? writeError : caught),
      );
      if (error instanceof LeaseLostError || signal.reason instanceof LeaseLostError) {
        log.warn({ runId: run.id }, 'run.lease_lost');
        return false;
      }
      if (error instanceof StoreUnavailableError) {
        // The store could not commit (locked, full): nothing the run did wrong. What did commit
        // stands; the run resumes from its last checkpoint in a moment — or, should the store
        // refuse even that, when its lease expires. A pending effect is re-sent with its key.
        log.warn({ err: error, runId: run.id }, 'run.store_unavailable');
        await store.postpone(run.id, run.fence, clock.now() + STORE_RETRY_MS, clock.now()).catch(() => undefined);
        return false;
      }
      if (stopping && signal.aborted) {
        await store.releaseRun(run.id, run.fence, clock.now());
        return false;
      }
      if (error instanceof PostponeError) {
        await store.postpone(run.id, run.fence, error.until, clock.now());
        return false;
      }
      await recordFailure(flow, run, toStepFailure(error));
      return false;
    }
  }

  async function recordFailure(flow: LoadedFlow, run: ClaimedRun, failed: { failure: StepFailure; stepPath: string | null }): Promise<void> {
    const { failure, stepPath } = failed;
    const now = clock.now();
    const path = stepPath ?? '(run)';
    if (failure.retryable) {
      const sameStep = run.attempt.path === path;
      const policy = resolveRetryPolicy(flow.flow.retry, stepRetry(flow.flow.steps, path));
      const decision = nextAttempt(policy, {
        attemptsMade: (sameStep ? run.attempt.count : 0) + 1,
        firstAttemptAt: sameStep && run.attempt.firstAt !== null ? run.attempt.firstAt : now,
        now,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        random: options.random,
      });
      if (decision.retry) {
        await store.scheduleRetry(run.id, run.fence, { stepPath: path, dueAt: decision.at, now, error: failure.message });
        return;
      }
      failure.message += decision.why === 'attempts' ? ' Weft gave up after the last retry.' : ' Weft stopped retrying: the retry window has passed.';
    }
    await store.parkException(run.id, run.fence, {
      reason: failure.reason,
      message: failure.message,
      stepPath,
      input: run.event.body,
      lastResponse: failure.lastResponse ?? null,
      now,
    });
    log.info({ runId: run.id, flowId: run.flowId, reason: failure.reason }, 'run.exception');
  }

  /**
   * A run whose worker keeps dying or hanging before it checkpoints another step (a code step
   * that crashes the process or never returns, memory exhausted) would otherwise be claimed and
   * take the process down forever: after MAX_TAKEOVERS it is parked for a person instead.
   */
  async function parkRunaway(flow: LoadedFlow, run: ClaimedRun): Promise<void> {
    const stepPath = flow.flow.steps.find((step) => !run.checkpoints.some((checkpoint) => checkpoint.path === step.id))?.id ?? null;
    const at = stepPath === null ? '' : ` at step '${stepPath}'`;
    await store.parkException(run.id, run.fence, {
      reason: 'bug',
      message: `Weft stopped this run${at}: the process running it died or stopped answering ${run.takeovers} times in a row before the step finished (a crash, memory running out, or a step that blocks the process). Find the cause in the logs, then replay it.`,
      stepPath,
      input: run.event.body,
      lastResponse: null,
      now: clock.now(),
    });
    log.error({ runId: run.id, flowId: run.flowId, takeovers: run.takeovers, stepPath }, 'run.runaway_parked');
  }

  function toStepFailure(error: unknown): { failure: StepFailure; stepPath: string | null } {
    const stepPath = stepPathOf(error);
    if (error instanceof StepFailedError) return { failure: { ...error.failure }, stepPath };
    if (error instanceof ExpressionError) {
      return { failure: { retryable: false, reason: 'mapping', message: `A mapping failed: ${error.message}` }, stepPath };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { failure: { retryable: false, reason: 'bug', message: `Weft hit an unexpected error: ${message}` }, stepPath };
  }

  kick();
  // Another process committed due work (PostgreSQL NOTIFY): a worker with room looks at once
  // instead of at its next poll; a full one looks anyway when one of its runs ends.
  const stopListening = store.onWorkAvailable?.(() => {
    if (running.size + reserved < options.concurrency) kick();
  });

  return {
    start() {
      if (isStarted) return;
      isStarted = true;
      kick();
    },
    kick,
    reserve() {
      if (!isStarted || stopping || backlogged || running.size + reserved >= options.concurrency) return false;
      reserved++;
      return true;
    },
    startReserved(run) {
      reserved--;
      if (run) startRun(run);
      else kick();
    },
    inFlight: () => running.size,
    async stop(graceMs) {
      stopping = true;
      stopListening?.();
      clearTimeout(wakeTimer);
      const all = () => Promise.all([...running.values()].map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        all().then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        for (const entry of running.values()) entry.abort.abort(new Error('shutting down'));
        await all();
      }
    },
  };
}

function createRunSink(store: Store, run: ClaimedRun, clock: Clock): CheckpointSink {
  let queued: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  const track = (write: Promise<unknown>) => {
    queued.push(
      write.then(
        () => undefined,
        (error: unknown) => {
          failure ??= { error };
        },
      ),
    );
  };
  return {
    checkpoint: (checkpoint, extra) => track(store.checkpoint(run.id, run.fence, checkpoint, { ...extra, now: clock.now() })),
    defer: track,
    async settle() {
      const writes = queued;
      queued = [];
      await Promise.all(writes);
      if (failure) throw failure.error;
    },
  };
}

/** The retry policy of the step at `path` ("createOrder", "lines[2].createOrder" or "lines["ABC-9"].createOrder"). */
function stepRetry(steps: Step[], path: string): Parameters<typeof resolveRetryPolicy>[0] {
  let list: Step[] | undefined = steps;
  let found: Step | undefined;
  for (const id of stepIdsAlong(path)) {
    found = list?.find((s) => s.id === id);
    list = found && 'each' in found ? found.steps : undefined;
  }
  return found && ('call' in found || 'code' in found) ? found.retry : undefined;
}
