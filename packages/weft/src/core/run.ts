import type { Reason } from './exception.ts';

/**
 * A run's life: queued → running → (waiting → running)* → succeeded | exception.
 * `waiting` is a persisted schedule (a retry or a delay), not a timer.
 */
export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'exception';
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'exception'];

/** The event as flows see it: `trigger` in expressions. */
export interface TriggerEvent {
  id: string;
  source: 'webhook' | 'schedule' | 'manual' | 'poll' | 'replay' | 'exception';
  receivedAt: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

export interface RunSummary {
  id: string;
  flowId: string;
  eventId: string;
  status: RunStatus;
  orderingKey: string | null;
  createdAt: number;
  updatedAt: number;
  dueAt: number;
  finishedAt: number | null;
  /** How many times the run has been claimed: the fencing token. */
  fence: number;
  lastError: string | null;
}

/** A completed step of a run (a checkpoint). Its path is "<stepId>" or "<eachId>[<i>].<stepId>". */
export interface StepCheckpoint {
  path: string;
  output: unknown;
  /** A `when` that was false, or an `each` item that ended early. */
  outcome: 'done' | 'skipped' | 'ended';
}

/** Failure of one step attempt, already classified. */
export interface StepFailure {
  retryable: boolean;
  reason: Reason;
  message: string;
  /** Set for a 429/503 with Retry-After: the earliest time to try again. */
  retryAfterMs?: number;
  lastResponse?: { status: number; headers: Record<string, string>; body: string } | undefined;
}
