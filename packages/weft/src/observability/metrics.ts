import { statSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import { withAnyItem } from '../core/step-path.ts';
import type { ObservedStore, StoreEvent } from '../store/observed-store.ts';
import type { PruneCounts } from '../store/store.ts';
import { callTarget } from './call-target.ts';

/** Seconds; from a fast mapping step to a slow ERP call that is still inside its timeout. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Label of a run whose flow this process never saw claimed (another process claimed it). */
const UNKNOWN_FLOW = 'unknown';
/** A run taken over by another worker never ends here; past this many, the oldest are forgotten. */
const TRACKED_RUNS = 10_000;

export type BreakerStatus = 'closed' | 'open' | 'half-open';
const BREAKER_VALUES: Record<BreakerStatus, number> = { closed: 0, open: 1, 'half-open': 2 };

export interface WeftMetrics {
  readonly contentType: string;
  /** The Prometheus text exposition; the queue gauges are read from the store first. */
  render(): Promise<string>;
  /** A rate limiter made a call wait (in process, or by postponing its run). */
  recordLimiterWait(connection: string, reason: string, seconds: number): void;
  recordBreakerState(connection: string, status: BreakerStatus): void;
  /** Rows a retention prune deleted, per table (ADR-0015). */
  recordPruned(counts: PruneCounts): void;
  /** Stops listening to the store. */
  stop(): void;
}

export interface MetricsOptions {
  store: ObservedStore;
  clock: Clock;
  /** Node process metrics (memory, CPU, event loop lag); off in tests that compare whole outputs. */
  includeProcessMetrics?: boolean;
  /** The SQLite database file, when the store is one: its WAL's size becomes a gauge. */
  sqlitePath?: string;
}

/**
 * Weft's Prometheus metrics. Counters and histograms follow committed store writes (the
 * observed store), so they count what happened, not what was attempted; gauges are read from
 * the store when scraped, so every process reports the same queue whoever did the work.
 */
export function createMetrics(options: MetricsOptions): WeftMetrics {
  const { store, clock } = options;
  const registry = new Registry();
  if (options.includeProcessMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const eventsReceived = new Counter({
    name: 'weft_events_received_total',
    help: 'Events committed and acknowledged, by flow; outcome=duplicate is a repeated delivery that was not run again.',
    labelNames: ['flow', 'outcome'] as const,
    registers,
  });
  const runsFinished = new Counter({
    name: 'weft_runs_total',
    help: 'Runs that finished, by flow and final status (succeeded or exception).',
    labelNames: ['flow', 'status'] as const,
    registers,
  });
  const retries = new Counter({ name: 'weft_retries_total', help: 'Failed step attempts scheduled to be tried again.', labelNames: ['flow'] as const, registers });
  const stepDuration = new Histogram({
    name: 'weft_step_duration_seconds',
    help: 'Time from a run claim or its previous checkpoint to the checkpoint of the step (steps inside an each share one label).',
    labelNames: ['flow', 'step'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const outboundCalls = new Counter({
    name: 'weft_outbound_calls_total',
    help: 'Outbound HTTP calls, by connection (or destination host for raw calls) and status class (2xx…5xx, error when no response).',
    labelNames: ['connection', 'status_class'] as const,
    registers,
  });
  const outboundDuration = new Histogram({
    name: 'weft_outbound_call_duration_seconds',
    help: 'Duration of outbound HTTP calls.',
    labelNames: ['connection'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const limiterWaits = new Counter({
    name: 'weft_rate_limiter_waits_total',
    help: 'Calls a connection limiter made wait, by reason (rate, concurrency, paused, breaker: the run was postponed; sleep: a short wait in process).',
    labelNames: ['connection', 'reason'] as const,
    registers,
  });
  const limiterWaitSeconds = new Counter({
    name: 'weft_rate_limiter_wait_seconds_total',
    help: 'Time calls were made to wait by connection limiters.',
    labelNames: ['connection'] as const,
    registers,
  });
  const prunedRows = new Counter({
    name: 'weft_pruned_rows_total',
    help: 'Rows the retention prune deleted, by table (runs, events, checkpoints, effects, exceptions, xrefCreations, calls, bulkJobs, bulkJobItems).',
    labelNames: ['table'] as const,
    registers,
  });
  const breakerState = new Gauge({
    name: 'weft_breaker_state',
    help: "Circuit breaker of a connection as this process last saw it: 0 closed, 1 open, 2 half-open (probing).",
    labelNames: ['connection'] as const,
    registers,
  });
  const openExceptions = new Gauge({ name: 'weft_open_exceptions', help: 'Exceptions waiting for a human.', labelNames: ['flow', 'reason'] as const, registers });
  const queueDepth = new Gauge({
    name: 'weft_queue_depth',
    help: 'Runs not finished and not executing: queued, or waiting for a retry or a delay.',
    labelNames: ['flow'] as const,
    registers,
  });
  const oldestDueAge = new Gauge({
    name: 'weft_oldest_due_run_age_seconds',
    help: "How long the run due the longest has waited to start, a dead worker's run counting from its lease expiry (0 when none is due).",
    registers,
  });
  if (options.sqlitePath !== undefined) {
    const walPath = `${options.sqlitePath}-wal`;
    new Gauge({
      name: 'weft_sqlite_wal_bytes',
      help: "Size of the SQLite database's write-ahead log (0 when there is none). It grows while a long reader keeps checkpoints from recycling it.",
      registers,
      // Read at scrape time: the file is SQLite's to write, and a clean close deletes it.
      collect() {
        this.set(statSync(walPath, { throwIfNoEntry: false })?.size ?? 0);
      },
    });
  }

  /** Where each run's current step started: the claim, then each checkpoint. */
  const stepStartedAt = new Map<string, number>();
  const flowLabel = (flowId: string | undefined) => flowId ?? UNKNOWN_FLOW;

  const onEvent = (event: StoreEvent): void => {
    switch (event.type) {
      case 'event.accepted':
        eventsReceived.inc({ flow: event.flowId, outcome: event.duplicate ? 'duplicate' : 'accepted' });
        return;
      case 'run.claimed':
        stepStartedAt.set(event.runId, event.at);
        if (stepStartedAt.size > TRACKED_RUNS) stepStartedAt.delete(stepStartedAt.keys().next().value!);
        return;
      case 'step.completed': {
        const startedAt = stepStartedAt.get(event.runId);
        if (startedAt !== undefined) stepDuration.observe({ flow: flowLabel(event.flowId), step: stepLabel(event.path) }, Math.max(0, event.at - startedAt) / 1000);
        stepStartedAt.set(event.runId, event.at);
        return;
      }
      case 'run.completed':
        stepStartedAt.delete(event.runId);
        runsFinished.inc({ flow: flowLabel(event.flowId), status: 'succeeded' });
        return;
      case 'run.exception':
        stepStartedAt.delete(event.runId);
        runsFinished.inc({ flow: flowLabel(event.flowId), status: 'exception' });
        return;
      case 'run.retry_scheduled':
        stepStartedAt.delete(event.runId);
        retries.inc({ flow: flowLabel(event.flowId) });
        return;
      case 'run.postponed':
      case 'run.released':
        stepStartedAt.delete(event.runId);
        return;
      case 'call.recorded': {
        const connection = callTarget(event.call);
        outboundCalls.inc({ connection, status_class: statusClass(event.call.status) });
        outboundDuration.observe({ connection }, event.call.durationMs / 1000);
        return;
      }
      case 'exception.replayed':
      case 'exception.discarded':
        return;
    }
  };
  const stopObserving = store.observe(onEvent);

  /** Label sets seen before stay at 0 when they empty, so a series drops to 0 instead of vanishing. */
  const seenExceptions = new Set<string>();
  const seenDepths = new Set<string>();

  async function readQueueGauges(): Promise<void> {
    if (store.queueStats === undefined) return;
    const now = clock.now();
    const stats = await store.queueStats(now);
    for (const key of seenExceptions) {
      const [flow, reason] = JSON.parse(key) as [string, string];
      openExceptions.set({ flow, reason }, 0);
    }
    for (const { flowId, reason, count } of stats.openExceptions) {
      seenExceptions.add(JSON.stringify([flowId, reason]));
      openExceptions.set({ flow: flowId, reason }, count);
    }
    for (const flow of seenDepths) queueDepth.set({ flow }, 0);
    for (const [flow, depth] of Object.entries(stats.depthByFlow)) {
      seenDepths.add(flow);
      queueDepth.set({ flow }, depth);
    }
    oldestDueAge.set(stats.oldestDueAt === undefined ? 0 : Math.max(0, now - stats.oldestDueAt) / 1000);
  }

  return {
    contentType: registry.contentType,
    render: async () => {
      await readQueueGauges();
      return await registry.metrics();
    },
    recordLimiterWait: (connection, reason, seconds) => {
      limiterWaits.inc({ connection, reason });
      limiterWaitSeconds.inc({ connection }, Math.max(0, seconds));
    },
    recordBreakerState: (connection, status) => breakerState.set({ connection }, BREAKER_VALUES[status]),
    recordPruned: (counts) => {
      for (const [table, rows] of Object.entries(counts)) prunedRows.inc({ table }, rows);
    },
    stop: () => {
      stopObserving();
      stepStartedAt.clear();
    },
  };
}

/** Every item of an `each` is one step for metrics: `lines[3].post` or `lines["ABC-9"].post` → `lines[].post`, so labels stay few. */
export function stepLabel(path: string): string {
  return withAnyItem(path);
}

function statusClass(status: number | null): string {
  return status === null ? 'error' : `${Math.floor(status / 100)}xx`;
}
