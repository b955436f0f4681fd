/**
 * The management API's shapes as the console reads them (docs/reference/openapi.json is the
 * source; these are the fields the screens use). Times are epoch milliseconds.
 */
export type Role = 'viewer' | 'operator' | 'admin';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'exception';

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
  fence: number;
  lastError: string | null;
}

export interface CallRecord {
  id: number;
  at: number;
  flowId: string;
  runId: string;
  stepPath: string;
  attempt: number;
  method: string;
  url: string;
  status: number | null;
  durationMs: number;
  requestHeaders: Record<string, string>;
  requestBody: string | null;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  error: string | null;
  /** Set while no answer is recorded: the request is out, or the process stopped with it out. */
  unanswered: 'in-flight' | 'interrupted' | null;
}

export interface TimelineEntry {
  at: number;
  kind: 'received' | 'claimed' | 'step' | 'call' | 'retry' | 'waiting' | 'exception' | 'completed';
  path?: string;
  detail?: string;
  call?: CallRecord;
}

export interface RunDetail {
  run: RunSummary;
  event: { id: string; source: string; receivedAt: number | string; headers: Record<string, string>; query: Record<string, string>; body: unknown };
  timeline: TimelineEntry[];
}

export type ExceptionStatus = 'open' | 'replayed' | 'discarded' | 'resolved';

export interface ExceptionRecord {
  id: string;
  runId: string;
  flowId: string;
  eventId: string;
  reason: string;
  message: string;
  stepPath: string | null;
  input: unknown;
  lastResponse: unknown;
  status: ExceptionStatus;
  createdAt: number;
  resolvedAt: number | null;
  comment?: string | null;
}

export interface ExceptionDetail extends ExceptionRecord {
  run: RunSummary;
  calls: CallRecord[];
}

export interface ExceptionGroup {
  flowId: string;
  reason: string;
  count: number;
  oldestAt: number;
}

export interface BulkJob {
  id: string;
  action: 'exceptions.replay' | 'exceptions.discard';
  total: number;
  /** Processed so far, the failed ones included. */
  done: number;
  failed: number;
  finishedAt: number | null;
  /** waiting: no Weft process works it now; the next one to look takes it up. */
  state: 'waiting' | 'running' | 'finished';
  /** Taken up again after the process working it stopped. */
  resumed: boolean;
}

export interface FlowSummary {
  id: string;
  name?: string;
  trigger: 'webhook' | 'schedule' | 'manual' | 'poll';
  path?: string;
  enabled: boolean;
  steps: number;
  counts: Record<string, number>;
}

export interface ConnectionSummary {
  id: string;
  connectorId: string;
  config: Record<string, unknown>;
  health: 'ok' | 'failing' | 'unknown';
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  tokenExpiresAt: number | null;
  rateLimit: ConnectionRateLimit;
  breaker: 'closed' | 'open' | 'half-open';
}

export interface RateLimit {
  requestsPerSecond?: number;
  burst?: number;
  concurrency?: number;
}

export interface ConnectionRateLimit {
  limits: RateLimit & { perEndpoint?: Record<string, RateLimit> };
  /** Set while a vendor's Retry-After or the breaker holds every call back. */
  pausedUntil: number | null;
}

/** One record across systems; its ids are under `links`, so a system may be named anything. */
export interface XrefEntry {
  entity: string;
  /** When the latest of its ids was linked (ISO 8601). */
  linkedAt: string;
  /** The record's id in each system, by system. */
  links: Record<string, string>;
}

export interface AuditEntry {
  at: number;
  actor: string;
  role: string;
  action: string;
  target: string;
  detail?: unknown;
}

export interface MetricsMinute {
  minute: number;
  eventsIn: number;
  runsCompleted: number;
  exceptions: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface MetricsSummary {
  perMinute: MetricsMinute[];
  successRate: number | null;
  openExceptionsByReason: Record<string, number>;
  byFlow: { flowId: string; eventsIn: number; completed: number; exceptions: number }[];
  byConnection: { connection: string; calls: number; errors: number }[];
}
