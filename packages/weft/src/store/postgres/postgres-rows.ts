import type { Reason } from '../../core/exception.ts';
import type { RunStatus, RunSummary, StepCheckpoint, TriggerEvent } from '../../core/run.ts';
import { unansweredCall, type CallRecord, type Effect, type ExceptionRecord, type ExceptionStatus, type RunDetail } from '../store.ts';

/** A run joined with its event's payload and its checkpoints (a json array built by the query). */
export interface RunRow {
  seq: number;
  id: string;
  flow_id: string;
  event_id: string;
  status: RunStatus;
  ordering_key: string | null;
  due_at: number;
  fence: number;
  attempt_path: string | null;
  attempt_count: number;
  attempt_first_at: number | null;
  last_error: string | null;
  input_override: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  takeovers: number;
  payload: string;
  checkpoints?: Array<{ path: string; output: string | null; outcome: StepCheckpoint['outcome'] }>;
}

export const RUN_COLUMNS = `r.seq, r.id, r.flow_id, r.event_id, r.status, r.ordering_key, r.due_at, r.fence,
  r.attempt_path, r.attempt_count, r.attempt_first_at, r.last_error, r.input_override,
  r.created_at, r.updated_at, r.finished_at, r.takeovers, e.payload`;

/** The run's checkpoints in completion order, as one json column of the same row. */
export const CHECKPOINTS_COLUMN = `(SELECT coalesce(json_agg(json_build_object('path', c.path, 'output', c.output, 'outcome', c.outcome) ORDER BY c.seq), '[]')
  FROM checkpoints c WHERE c.run_id = r.id) AS checkpoints`;

export interface EffectRow {
  key: string;
  run_id: string;
  step_path: string;
  status: Effect['status'];
  result: string | null;
  created_at: number;
  done_at: number | null;
  request_hash: string | null;
}

export interface ExceptionRow {
  id: string;
  run_id: string;
  flow_id: string;
  event_id: string;
  reason: Reason;
  message: string;
  step_path: string | null;
  input: string | null;
  last_response: string | null;
  status: ExceptionStatus;
  created_at: number;
  resolved_at: number | null;
  comment: string | null;
}

export interface CallRow {
  id: number;
  at: number;
  flow_id: string;
  run_id: string;
  step_path: string;
  attempt: number;
  method: string;
  url: string;
  status: number | null;
  duration_ms: number;
  request_headers: string;
  request_body: string | null;
  response_headers: string;
  response_body: string | null;
  error: string | null;
  connection: string | null;
  fence: number | null;
  awaiting_answer: number;
  /** From `callColumns`: true while the run still holds the claim an unanswered call was sent under. */
  in_flight: boolean | null;
}

/**
 * A call row and whether its request, when unanswered, is still in flight (see
 * `CallRecord.unanswered`); `now` is the statement's parameter holding the time ($n). A killed
 * process's run keeps its fence until it is claimed again: only its lease tells the claim is gone.
 */
export function callColumns(alias: string, now: string): string {
  return `${alias}.*, CASE WHEN ${alias}.awaiting_answer = 1 THEN EXISTS (
    SELECT 1 FROM runs r WHERE r.id = ${alias}.run_id AND r.status = 'running' AND r.fence = ${alias}.fence AND r.lease_expires_at > ${now}) END AS in_flight`;
}

export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

export function toRunSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    flowId: row.flow_id,
    eventId: row.event_id,
    status: row.status,
    orderingKey: row.ordering_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    dueAt: row.due_at,
    finishedAt: row.finished_at,
    fence: row.fence,
    lastError: row.last_error,
  };
}

export function toRunDetail(row: RunRow): RunDetail {
  return {
    ...toRunSummary(row),
    event: toTriggerEvent(row),
    checkpoints: (row.checkpoints ?? []).map((checkpoint) => ({ path: checkpoint.path, output: fromJson(checkpoint.output), outcome: checkpoint.outcome })),
  };
}

function toTriggerEvent(row: RunRow): TriggerEvent {
  const event = JSON.parse(row.payload) as TriggerEvent;
  return row.input_override === null ? event : { ...event, body: JSON.parse(row.input_override) };
}

export function toEffect(row: EffectRow): Effect {
  return {
    key: row.key,
    runId: row.run_id,
    stepPath: row.step_path,
    status: row.status,
    result: fromJson(row.result),
    createdAt: row.created_at,
    doneAt: row.done_at,
    requestHash: row.request_hash,
  };
}

export function toExceptionRecord(row: ExceptionRow): ExceptionRecord {
  return {
    id: row.id,
    runId: row.run_id,
    flowId: row.flow_id,
    eventId: row.event_id,
    reason: row.reason,
    message: row.message,
    stepPath: row.step_path,
    input: fromJson(row.input),
    lastResponse: fromJson(row.last_response),
    status: row.status,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    ...(row.comment === null ? {} : { comment: row.comment }),
  };
}

export function toCallRecord(row: CallRow): CallRecord {
  const record: CallRecord = {
    id: row.id,
    at: row.at,
    flowId: row.flow_id,
    runId: row.run_id,
    stepPath: row.step_path,
    attempt: row.attempt,
    method: row.method,
    url: row.url,
    status: row.status,
    durationMs: row.duration_ms,
    requestHeaders: JSON.parse(row.request_headers) as Record<string, string>,
    requestBody: row.request_body,
    responseHeaders: JSON.parse(row.response_headers) as Record<string, string>,
    responseBody: row.response_body,
    error: row.error,
    ...(row.connection === null ? {} : { connection: row.connection }),
  };
  return row.awaiting_answer === 1 ? { ...record, ...unansweredCall(row.in_flight === true) } : record;
}
