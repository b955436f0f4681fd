import { createHash } from 'node:crypto';
import { context, isSpanContextValid, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C `traceparent` header as a remote span context; undefined when absent or malformed. */
export function parseTraceparent(header: string | undefined): SpanContext | undefined {
  const match = TRACEPARENT.exec(header?.trim().toLowerCase() ?? '');
  if (match === null || match[1] === 'ff') return undefined;
  const spanContext: SpanContext = { traceId: match[2]!, spanId: match[3]!, traceFlags: Number.parseInt(match[4]!, 16), isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * A parent for an event that came without trace context, derived from its id alone: every
 * attempt of its run, in any process and after any restart, lands in the same trace.
 */
export function derivedSpanContext(eventId: string): SpanContext {
  const digest = createHash('sha256').update(`weft-trace:${eventId}`).digest('hex');
  return { traceId: digest.slice(0, 32), spanId: digest.slice(32, 48), traceFlags: TraceFlags.SAMPLED, isRemote: true };
}

/** The context a run's spans start in: its trigger's trace when it carried one, else the derived trace. */
export function runParentContext(eventId: string, traceparent: string | undefined): Context {
  return trace.setSpanContext(context.active(), parseTraceparent(traceparent) ?? derivedSpanContext(eventId));
}
