import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { ObservedStore, StoreEvent } from '../store/observed-store.ts';
import { callTarget, urlWithoutQuery } from './call-target.ts';
import { runParentContext } from './trace-context.ts';

export interface TracingOptions {
  store: ObservedStore;
  /** Defaults to the global tracer: a no-op until the user registers an OpenTelemetry SDK. */
  tracer?: Tracer;
}

/** A run taken over by another worker never ends here; past this many, the oldest spans are ended. */
const TRACKED_RUNS = 10_000;

interface LiveRun {
  span: Span;
  flowId: string;
  /** Where the current step started: the claim, then each checkpoint. */
  stepStartedAt: number;
}

/**
 * OpenTelemetry spans built from committed store writes, with the times the writes carry: a
 * run span per attempt (claim → completion, exception, retry or hand-back), a step span per
 * checkpoint (previous checkpoint → this one) and a client span per recorded HTTP call. The run
 * span's parent is its trigger's `traceparent` or a trace derived from the event id, so all
 * attempts of a run share one trace across restarts and processes. Returns the stop function.
 */
export function startTracing(options: TracingOptions): () => void {
  const tracer = options.tracer ?? trace.getTracer('weft');
  const live = new Map<string, LiveRun>();

  const endRun = (runId: string, at: number | undefined, outcome: string, error?: string) => {
    const run = live.get(runId);
    if (run === undefined) return;
    live.delete(runId);
    run.span.setAttribute('weft.run.outcome', outcome);
    if (error !== undefined) run.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    run.span.end(at);
  };

  const onEvent = (event: StoreEvent): void => {
    switch (event.type) {
      case 'run.claimed': {
        // Claimed again while this process still held it (its lease ran out): that attempt is over.
        endRun(event.runId, event.at, 'lease_expired');
        const span = tracer.startSpan(
          `run ${event.flowId}`,
          {
            kind: SpanKind.CONSUMER,
            startTime: event.at,
            attributes: { 'weft.flow': event.flowId, 'weft.run_id': event.runId, 'weft.event_id': event.eventId, 'weft.run.attempt': event.attempt },
          },
          runParentContext(event.eventId, event.traceparent),
        );
        live.set(event.runId, { span, flowId: event.flowId, stepStartedAt: event.at });
        if (live.size > TRACKED_RUNS) endRun(live.keys().next().value!, undefined, 'lost');
        return;
      }
      case 'step.completed': {
        const run = live.get(event.runId);
        if (run === undefined) return;
        tracer
          .startSpan(
            `step ${event.path}`,
            {
              kind: SpanKind.INTERNAL,
              startTime: run.stepStartedAt,
              attributes: { 'weft.flow': run.flowId, 'weft.run_id': event.runId, 'weft.step': event.path, 'weft.step.outcome': event.outcome },
            },
            trace.setSpan(context.active(), run.span),
          )
          .end(event.at);
        run.stepStartedAt = event.at;
        return;
      }
      case 'call.recorded': {
        const { call } = event;
        const run = live.get(call.runId);
        if (run === undefined) return;
        const span = tracer.startSpan(
          `${call.method} ${callTarget(call)}`,
          {
            kind: SpanKind.CLIENT,
            // An answered call's `at` is when its request left, its duration until the answer.
            startTime: call.at,
            attributes: {
              'http.request.method': call.method,
              'url.full': urlWithoutQuery(call.url),
              'weft.step': call.stepPath,
              'weft.attempt': call.attempt,
              ...(call.connection === undefined ? {} : { 'weft.connection': call.connection }),
              ...(call.status === null ? {} : { 'http.response.status_code': call.status }),
            },
          },
          trace.setSpan(context.active(), run.span),
        );
        if (call.error !== null || (call.status !== null && call.status >= 500)) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: call.error ?? `HTTP ${call.status}` });
        }
        span.end(call.at + call.durationMs);
        return;
      }
      case 'run.completed':
        endRun(event.runId, event.at, 'succeeded');
        return;
      case 'run.exception':
        endRun(event.runId, event.at, 'exception', `${event.reason}: ${event.message}`);
        return;
      case 'run.retry_scheduled':
        endRun(event.runId, event.at, 'retry_scheduled', event.error);
        return;
      case 'run.postponed':
        endRun(event.runId, event.at, 'postponed');
        return;
      case 'run.released':
        endRun(event.runId, event.at, 'released');
        return;
      case 'event.accepted':
      case 'exception.replayed':
      case 'exception.discarded':
        return;
    }
  };

  const stopObserving = options.store.observe(onEvent);
  return () => {
    stopObserving();
    // Runs still executing end where they are, so an exporter flushing on shutdown sees them.
    for (const [runId] of live) endRun(runId, undefined, 'unfinished');
  };
}
