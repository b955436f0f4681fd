/**
 * The time a run's expressions read as `$now()` and `$millis()`: the event's receive time, or the
 * end of the last `delay` the run has passed. Both are recorded, so a step evaluated again — after
 * a crash before its checkpoint, or in a replay — renders the same request, which the effect
 * ledger and the destinations' idempotency keys expect (Stripe refuses a key reused with other
 * parameters). Wall-clock time would differ on every evaluation.
 */

const timeByScope = new WeakMap<object, number>();

/** After a `delay`: the scope's expressions read the delay's end from now on. */
export function setFlowTime(scope: object, ms: number): void {
  timeByScope.set(scope, ms);
}

/** The flow time of an expression's input: set by a delay, else its trigger's receive time; undefined for other inputs. */
export function flowTimeOf(input: unknown): number | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const set = timeByScope.get(input);
  if (set !== undefined) return set;
  const receivedAt = (input as { trigger?: { receivedAt?: unknown } }).trigger?.receivedAt;
  if (typeof receivedAt !== 'string') return undefined;
  const ms = Date.parse(receivedAt);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether an expression can read the time at all; the others need no binding. */
export function readsTime(source: string): boolean {
  return /\$(now|millis)\b/.test(source);
}
