import type { Reason } from '../core/exception.ts';
import type { ClaimedRun, IngestOutcome, NewCallRecord, NewException, Store } from './store.ts';

/**
 * What happened in the store, told after the write committed. Metrics, the live event stream
 * and tracing listen here instead of inside the engine: the engine's hot path stays free of
 * observers, and whatever the store committed is exactly what gets observed.
 */
export type StoreEvent =
  | { type: 'event.accepted'; at: number; flowId: string; eventId: string; runId: string; duplicate: boolean }
  | {
      type: 'run.claimed';
      at: number;
      flowId: string;
      runId: string;
      eventId: string;
      attempt: number;
      /** The W3C trace context its trigger event arrived with, kept in the stored event: a run's trace survives restarts. */
      traceparent: string | undefined;
    }
  | { type: 'step.completed'; at: number; flowId: string | undefined; runId: string; path: string; outcome: 'done' | 'skipped' | 'ended' }
  | { type: 'run.completed'; at: number; flowId: string | undefined; runId: string }
  | { type: 'run.retry_scheduled'; at: number; flowId: string | undefined; runId: string; stepPath: string; dueAt: number; error: string }
  | { type: 'run.postponed'; at: number; flowId: string | undefined; runId: string; dueAt: number }
  | { type: 'run.released'; at: number; flowId: string | undefined; runId: string }
  | {
      type: 'run.exception';
      at: number;
      flowId: string | undefined;
      runId: string;
      exceptionId: string;
      reason: Reason;
      stepPath: string | null;
      message: string;
    }
  | { type: 'call.recorded'; call: NewCallRecord }
  | { type: 'exception.replayed'; at: number; exceptionId: string; runId: string }
  | { type: 'exception.discarded'; at: number; exceptionId: string };

export type StoreListener = (event: StoreEvent) => void;

export interface ObservedStore extends Store {
  /** Listen to committed writes; returns the function that stops listening. */
  observe(listener: StoreListener): () => void;
}

/**
 * Wraps a store so every committed write is told to the listeners. A listener that throws
 * never fails the write it hears about: the write already happened.
 */
export function observeStore(store: Store, onListenerError: (error: unknown) => void = () => {}): ObservedStore {
  const listeners = new Set<StoreListener>();
  /** The flow of each run this process claimed, so later events can name it without a query. */
  const flowOfRun = new Map<string, string>();
  const emit = (event: StoreEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        onListenerError(error);
      }
    }
  };
  const claimed = (run: ClaimedRun, at: number) => {
    flowOfRun.set(run.id, run.flowId);
    emit({
      type: 'run.claimed',
      at,
      flowId: run.flowId,
      runId: run.id,
      eventId: run.eventId,
      attempt: run.attempt.count + 1,
      traceparent: run.event.headers['traceparent'],
    });
  };
  const ended = (runId: string) => {
    const flowId = flowOfRun.get(runId);
    flowOfRun.delete(runId);
    return flowId;
  };
  const parked = (runId: string, flowId: string | undefined, exceptionId: string, exception: NewException) => {
    emit({ type: 'run.exception', at: exception.now, flowId, runId, exceptionId, reason: exception.reason, stepPath: exception.stepPath, message: exception.message });
  };
  const accepted = (outcome: IngestOutcome, flowId: string, at: number) => {
    emit({ type: 'event.accepted', at, flowId, eventId: outcome.eventId, runId: outcome.runId, duplicate: outcome.status === 'duplicate' });
    if (outcome.status === 'accepted' && outcome.claimed) claimed(outcome.claimed, at);
  };

  return {
    ...store,
    observe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async ingest(event, claim) {
      const outcome = await store.ingest(event, claim);
      accepted(outcome, event.flowId, event.receivedAt);
      return outcome;
    },
    async ingestParked(event, exception) {
      const outcome = await store.ingestParked(event, exception);
      accepted(outcome, event.flowId, event.receivedAt);
      // Parked in the ingest's own commit, never claimed: no run.claimed comes before it.
      if (outcome.status === 'accepted') parked(outcome.runId, event.flowId, outcome.exceptionId, exception);
      return outcome;
    },
    async ingestBatch(events, cursor) {
      const outcomes = await store.ingestBatch(events, cursor);
      outcomes.forEach((outcome, i) => accepted(outcome, events[i]!.flowId, events[i]!.receivedAt));
      return outcomes;
    },
    async claimRuns(request) {
      const runs = await store.claimRuns(request);
      for (const run of runs) claimed(run, request.now);
      return runs;
    },
    // Not async: the store throws synchronously on an output that is not JSON (Store.checkpoint).
    checkpoint(runId, fence, checkpoint, options) {
      return store.checkpoint(runId, fence, checkpoint, options).then(() => {
        emit({ type: 'step.completed', at: options.now, flowId: flowOfRun.get(runId), runId, path: checkpoint.path, outcome: checkpoint.outcome });
      });
    },
    async completeRun(runId, fence, now) {
      const resolved = await store.completeRun(runId, fence, now);
      emit({ type: 'run.completed', at: now, flowId: ended(runId), runId });
      return resolved;
    },
    async scheduleRetry(runId, fence, retry) {
      await store.scheduleRetry(runId, fence, retry);
      emit({ type: 'run.retry_scheduled', at: retry.now, flowId: ended(runId), runId, stepPath: retry.stepPath, dueAt: retry.dueAt, error: retry.error });
    },
    async postpone(runId, fence, dueAt, now) {
      await store.postpone(runId, fence, dueAt, now);
      emit({ type: 'run.postponed', at: now, flowId: ended(runId), runId, dueAt });
    },
    async releaseRun(runId, fence, now) {
      await store.releaseRun(runId, fence, now);
      emit({ type: 'run.released', at: now, flowId: ended(runId), runId });
    },
    async parkException(runId, fence, exception) {
      const exceptionId = await store.parkException(runId, fence, exception);
      parked(runId, ended(runId), exceptionId, exception);
      return exceptionId;
    },
    // A call is told once, with its answer: its start is a record of the request alone.
    async completeCall(call) {
      await store.completeCall(call);
      emit({ type: 'call.recorded', call });
    },
    async recordCall(call) {
      await store.recordCall(call);
      emit({ type: 'call.recorded', call });
    },
    async replayException(id, options) {
      const result = await store.replayException(id, options);
      emit({ type: 'exception.replayed', at: options.now, exceptionId: id, runId: result.runId });
      return result;
    },
    async discardException(id, now, comment) {
      await store.discardException(id, now, comment);
      emit({ type: 'exception.discarded', at: now, exceptionId: id });
    },
  };
}
