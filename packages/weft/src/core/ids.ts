import { createHash, randomBytes } from 'node:crypto';

/** Prefixed, time-sortable ids: `<prefix>_<12 hex ms><10 hex random>`. */
export type EventId = `evt_${string}`;
export type RunId = `run_${string}`;
export type ExceptionId = `exc_${string}`;
export type CallId = `call_${string}`;

export function newId<P extends string>(prefix: P, nowMs: number): `${P}_${string}` {
  return `${prefix}_${nowMs.toString(16).padStart(12, '0')}${randomBytes(5).toString('hex')}`;
}

/**
 * The effect ledger's key for one external write: the same flow, event, step and item always
 * give the same key, so retries, crashes and replays reuse it (guarantee 2).
 */
export function idempotencyKey(flowId: string, eventId: string, stepPath: string): string {
  return 'weft-' + createHash('sha256').update(`${flowId}\u0000${eventId}\u0000${stepPath}`).digest('hex').slice(0, 40);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
