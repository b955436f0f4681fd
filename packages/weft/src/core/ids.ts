import { createHash, randomBytes } from 'node:crypto';

/** Prefixed, time-sortable ids: `<prefix>_<12 hex ms><10 hex random>`. */
export type EventId = `evt_${string}`;
export type RunId = `run_${string}`;
export type ExceptionId = `exc_${string}`;
export type CallId = `call_${string}`;

export function newId<P extends string>(prefix: P, nowMs: number): `${P}_${string}` {
  return `${prefix}_${nowMs.toString(16).padStart(12, '0')}${randomHex(5)}`;
}

// One randomBytes call per id is a syscall per event on the ingest path; draw from a pool.
let pool = Buffer.alloc(0);
let poolOffset = 0;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

/**
 * The effect ledger's key for one external write: the same flow, event, step and item always
 * give the same key, so retries, crashes and replays reuse it (guarantee 2).
 */
export function idempotencyKey(flowId: string, eventId: string, stepPath: string): string {
  return 'weft-' + createHash('sha256').update(`${flowId}\u0000${eventId}\u0000${stepPath}`).digest('hex').slice(0, 40);
}

/**
 * A key expression's value as text (a dedupe, ordering or item key): a string as it is, anything
 * else as JSON, so `{ "id": 1 }` and `{ "id": 2 }` stay different keys. A NUL character is
 * written as the six characters `\u0000` (as JSON writes it): PostgreSQL text cannot hold NUL
 * and refused the event, so every delivery of it failed, while SQLite took it. Keys without NUL
 * are unchanged.
 */
export function keyText(value: unknown): string {
  return typeof value === 'string' ? value.replaceAll('\u0000', '\\u0000') : JSON.stringify(value);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
