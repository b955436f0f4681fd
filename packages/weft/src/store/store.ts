import type { Reason } from '../core/exception.ts';
import type { RunStatus, RunSummary, StepCheckpoint, TriggerEvent } from '../core/run.ts';
import type { RateLimitState } from '../connectors/rate-limit/rate-limit-state.ts';
import type { VaultStorage } from '../connectors/vault/vault.ts';
import type { XrefRef } from '../xref/xref-plan.ts';

/**
 * The store port. Every implementation (SQLite now, PostgreSQL later) passes
 * `store.contract.ts`. All writes are durable when their promise resolves; writes that
 * belong together happen in one transaction (guarantee 9). Writes that act on a claimed run
 * carry the claim's fencing token and fail with `LeaseLostError` when the run has since been
 * claimed by someone else (guarantee 7).
 */
export interface Store {
  /**
   * Commit an event and its run, or find the earlier delivery with the same dedupe key.
   * With `claim`, the new run is claimed for that worker in the same transaction when the
   * claim rules allow it (no earlier open run with its ordering key, room under the flow's
   * concurrency): the worker that accepted an event can start it without a claim round trip.
   */
  ingest(event: NewEvent, claim?: IngestClaim): Promise<IngestOutcome>;
  /**
   * Commit an event with its run parked at once as an open exception, all in one transaction:
   * a delivery refused at ingress, a repair waiting for a person's approval. The run is never
   * claimable before the exception is replayed (no claim or lease is ever taken on it), and while
   * parked it holds back no later run of its ordering key. A repeated dedupe key answers the
   * earlier delivery, as `ingest` does, and parks nothing.
   */
  ingestParked(event: NewEvent, exception: NewException): Promise<ParkedIngestOutcome>;
  /**
   * Commit a poll's events, each deduplicated as by `ingest`, and advance the poll cursor in the
   * same transaction: the cursor never moves past events that were not committed.
   */
  ingestBatch(events: NewEvent[], cursor?: { key: string; value: string; now: number }): Promise<IngestOutcome[]>;
  pollCursor(key: string): Promise<string | undefined>;

  /**
   * Claim up to `limit` runs that are due: queued or waiting with dueAt ≤ now, or running with
   * an expired lease (a dead worker's). A run is not claimable while an earlier run (by
   * creation order) of the same flow and ordering key is not terminal, nor while a later run of
   * that key holds a live lease (a replayed run waits for the run of its key that is running),
   * nor while its flow has `flowConcurrency[flowId]` runs holding live leases. Each claim
   * increments the fence.
   */
  claimRuns(request: ClaimRequest): Promise<ClaimedRun[]>;
  /** Extend a lease. False when the fence is stale (the run was taken over). */
  renewLease(runId: string, fence: number, leaseUntil: number): Promise<boolean>;

  /**
   * Record a completed step. Optionally marks an effect done and/or parks the run until `waitUntil`.
   * The output is serialised before this returns: one that is not JSON (a cycle, a BigInt) throws
   * synchronously and nothing is queued, so no later write of the run commits after it.
   */
  checkpoint(runId: string, fence: number, checkpoint: StepCheckpoint, options: CheckpointOptions): Promise<void>;
  /**
   * The run finished: every step is done. In the same transaction, open exceptions of EARLIER
   * runs (by creation order) of its flow for the same record become `resolved` — same ordering
   * key, or same dedupe key when the run has no ordering key — since nobody needs to fix them any
   * more. Exceptions of later runs stay open: a replayed older run that completes has not
   * processed a newer event. The run's own exceptions are not touched (a replay already closed
   * them). Answers the resolved exceptions' ids.
   */
  completeRun(runId: string, fence: number, now: number): Promise<string[]>;
  /** A step failed and will be tried again at `dueAt`; counts the attempt. */
  scheduleRetry(runId: string, fence: number, retry: RetrySchedule): Promise<void>;
  /** Park the run until `dueAt` without counting an attempt (a destination hold, a breaker). */
  postpone(runId: string, fence: number, dueAt: number, now: number): Promise<void>;
  /** Hand a claimed run back (graceful shutdown): queued again, due now. */
  releaseRun(runId: string, fence: number, now: number): Promise<void>;
  /** The run cannot succeed: it becomes an exception, in the same transaction. */
  parkException(runId: string, fence: number, exception: NewException): Promise<string>;

  /** The effect ledger. */
  getEffect(key: string): Promise<Effect | undefined>;
  /**
   * Record the intent before the request, and answer the effect as the ledger now holds it: the
   * new pending intent, or the earlier record of the same key (a second begin changes nothing).
   * One write instead of a lookup and a write: a done effect is seen in the same commit. With
   * `call`, the request's audit record is started in the same write when the effect is pending
   * (about to be sent), as by `startCall`.
   */
  beginEffect(effect: NewEffect): Promise<BegunEffect>;

  /** Shared, store-kept pause of all calls to one destination (a 429's Retry-After); `beginEffect` reads it. */
  holdDestination(destination: string, until: number): Promise<void>;

  /**
   * The audit log of outbound HTTP. A run's call is recorded before its request leaves (here, or
   * with the effect's intent: `NewEffect.call`) and completed with its answer after, so a process
   * that stops in between leaves a record whose request is known and whose answer reads as
   * missing (`CallRecord.unanswered`). Not fenced: what a worker sent and got back is a fact even
   * after it lost the run.
   */
  startCall(call: CallRequestRecord): Promise<StartedCall>;
  /**
   * The answer of a started call: `call` is the whole record; its answer is written, and its `at`,
   * when the request was handed to the network (the record was started before, and may have
   * waited for a commit, a connection or a rate limit). The rest of the request was at the start.
   */
  completeCall(call: CallRecord): Promise<void>;
  /** A started call whose request did not leave after all (a hold or a full rate budget postponed it). */
  discardCall(id: number): Promise<void>;
  /** A call recorded whole once answered: a poll's request, which changes nothing at the vendor. */
  recordCall(call: NewCallRecord): Promise<void>;
  /** `now` tells an unanswered call in flight from an interrupted one (`CallRecord.unanswered`). */
  listCalls(filter: { runId?: string; limit?: number; now: number }): Promise<CallRecord[]>;

  getRun(runId: string): Promise<RunDetail | undefined>;
  listRuns(filter: RunFilter): Promise<RunSummary[]>;
  countRuns(flowId?: string): Promise<Record<RunStatus, number>>;
  /** The earliest dueAt among queued/waiting runs, or the earliest expiring lease: when to look again. */
  nextWakeAt(): Promise<number | undefined>;

  listExceptions(filter: ExceptionFilter): Promise<ExceptionRecord[]>;
  getException(id: string): Promise<ExceptionRecord | undefined>;
  /** Exceptions created at or after `sinceMs`, oldest first (the feed behind `trigger: { exception }`). */
  exceptionsSince(sinceMs: number, limit: number): Promise<ExceptionRecord[]>;
  /**
   * Queue the exception's run again (due now, attempts and takeovers reset: a runaway parked
   * after its takeovers is not parked again at its first claim); the exception becomes
   * `replayed`. With `input`, the run's trigger body is replaced and its checkpoints cleared;
   * the effect ledger still keeps done effects from repeating. With `orderingKey`, the run's
   * ordering key becomes it in the same transaction: the key of an edited input, computed by the
   * caller as ingest computes it (`orderingKeyOfEditedInput`), so the run takes its turn among
   * the runs of its new key (by creation order, as any replayed run) and no longer among the old
   * key's; without it the key is kept. Throws `NotReplayableError` when the exception is not open.
   */
  replayException(id: string, options: { now: number; input?: unknown; orderingKey?: string | null }): Promise<{ runId: string }>;
  /** Closes an open exception without running it again; `comment` says why (the API requires one). */
  discardException(id: string, now: number, comment?: string): Promise<void>;

  /** Configured connections (secrets are not here: see `secrets`). */
  connections: ConnectionStore;
  /** Sealed secrets of connections and flows, for the credential vault. */
  secrets: VaultStorage;
  /** The rate-limit budget every worker on this store shares (ADR-0009). */
  rateLimits: RateLimitState;

  /** Gauges for /metrics and alert rules, read when scraped. Optional: a store without it reports no queue gauges. */
  queueStats?(now: number): Promise<QueueStats>;
  /** For /readyz: the store answers, its last writes committed, and its schema is the one this code knows. */
  readiness?(): Promise<Readiness>;
  /** Alert incidents, shared by every process on this store so one incident is one message. */
  alertIncidents?: AlertIncidentStore;
  /** API tokens, admin session tokens (both as hashes) and the local admin password's hash. */
  tokens: TokenStore;
  /** Who did what through the management API. */
  adminAudit: AdminAuditStore;
  /** Flows an admin switched off. */
  flowStates: FlowStateStore;
  /** Which ids in which systems are one business object (the cross-reference service). */
  xref: XrefStore;
  /** What each reconcile step found: matched, missing and different records. */
  reconciliations: ReconciliationStore;
  /** The management API's listings and summaries. */
  operations: OperationsStore;
  /** Deletes finished work past its retention (ADR-0015). */
  retention: RetentionStore;
  /** Bulk replays and discards of exceptions, kept until finished and worked by one process at a time (ADR-0016). */
  bulkJobs: BulkJobStore;

  /**
   * Optional: calls `listener` when another process may have committed due work (PostgreSQL's
   * LISTEN/NOTIFY), so an idle worker looks at once instead of at its next poll. Returns the
   * function that stops listening. A store without it is polled (`nextWakeAt`).
   */
  onWorkAvailable?(listener: () => void): () => void;

  close(): Promise<void>;
}

export interface Connection {
  /** The name flows use: `call: { connection: erp, … }`. */
  id: string;
  connectorId: string;
  /** Non-secret settings, e.g. a shop domain or a sandbox base URL. */
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectionStore {
  /** Create or replace; `createdAt` of an existing connection is kept. */
  put(connection: { id: string; connectorId: string; config: Record<string, unknown>; now: number }): Promise<void>;
  get(id: string): Promise<Connection | undefined>;
  list(): Promise<Connection[]>;
  /** Removes the connection and its secrets, in one transaction. False when there was none. */
  remove(id: string): Promise<boolean>;
}

export interface NewEvent {
  id: string;
  flowId: string;
  dedupeKey: string;
  orderingKey: string | null;
  receivedAt: number;
  event: TriggerEvent;
  /** The run's id, created with the event. */
  runId: string;
}

export interface IngestClaim {
  workerId: string;
  leaseMs: number;
  flowConcurrency?: number;
}

export type IngestOutcome =
  | { status: 'accepted'; eventId: string; runId: string; claimed?: ClaimedRun }
  | { status: 'duplicate'; eventId: string; runId: string };

export type ParkedIngestOutcome =
  | { status: 'accepted'; eventId: string; runId: string; exceptionId: string }
  | { status: 'duplicate'; eventId: string; runId: string };

export interface ClaimRequest {
  workerId: string;
  now: number;
  leaseMs: number;
  limit: number;
  flowConcurrency: Record<string, number>;
  /** Only runs of these flows (the ones this worker has loaded). */
  flowIds: string[];
}

export interface ClaimedRun extends RunSummary {
  event: TriggerEvent;
  checkpoints: StepCheckpoint[];
  /** Attempts already made at the step that failed last (null path: none failed yet). */
  attempt: { path: string | null; count: number; firstAt: number | null };
  /**
   * Times this run was taken over from a worker whose lease expired (it died or hung) since the
   * run last checkpointed a step, this claim included.
   */
  takeovers: number;
}

export interface CheckpointOptions {
  /** Mark this effect done, with the step's output as its recorded result. */
  effectKey?: string;
  /** Park the run until then (a delay step). */
  waitUntil?: number;
  now: number;
}

export interface RetrySchedule {
  stepPath: string;
  dueAt: number;
  now: number;
  error: string;
}

export interface Effect {
  key: string;
  runId: string;
  stepPath: string;
  status: 'pending' | 'done';
  /** The step output recorded when the effect was done. */
  result: unknown;
  createdAt: number;
  doneAt: number | null;
  /** A hash of the request the effect was first begun for; null when begun without one (an older version). */
  requestHash: string | null;
}

export interface NewEffect {
  key: string;
  runId: string;
  stepPath: string;
  now: number;
  /** A hash of what is about to be sent; kept with the first intent only. */
  requestHash?: string;
  /**
   * The origin the effect is about to be sent to, when the caller honours destination holds:
   * the answer then carries the hold, read in the same round trip as the intent.
   */
  destination?: string;
  /** The request about to be sent, for the audit log: started with the intent unless the effect is done. */
  call?: CallRequestRecord;
}

export interface BegunEffect {
  effect: Effect;
  /** The store's hold on `destination` (epoch ms); undefined without one or without a destination. */
  destinationHold: number | undefined;
  /** The audit record started with the intent: present when `call` was given and the effect is pending. */
  call?: StartedCall;
}

export interface NewException {
  reason: Reason;
  message: string;
  stepPath: string | null;
  input: unknown;
  lastResponse: unknown;
  now: number;
}

/** `resolved`: a later run for the same record completed, so the exception needs nobody any more. */
export type ExceptionStatus = 'open' | 'replayed' | 'discarded' | 'resolved';

export interface ExceptionRecord {
  id: string;
  runId: string;
  flowId: string;
  eventId: string;
  reason: Reason;
  message: string;
  stepPath: string | null;
  input: unknown;
  lastResponse: unknown;
  status: ExceptionStatus;
  createdAt: number;
  resolvedAt: number | null;
  /** Why it was discarded; present only when a comment was given. */
  comment?: string;
}

export interface ExceptionFilter {
  flowId?: string;
  runId?: string;
  reason?: Reason;
  status?: ExceptionStatus;
  limit?: number;
}

export interface RunFilter {
  flowId?: string;
  status?: RunStatus;
  limit?: number;
}

export interface RunDetail extends RunSummary {
  event: TriggerEvent;
  checkpoints: StepCheckpoint[];
}

/** What a call sends: known, and recorded, before its request leaves. */
export interface CallRequestRecord {
  /**
   * When the request was handed to the network, which `durationMs` counts from. Until the answer
   * is recorded, when the record was started: a little before (a commit, a connection, a rate limit).
   */
  at: number;
  flowId: string;
  runId: string;
  stepPath: string;
  /**
   * 1 for the first try of the step. A call started for a step of a run whose request was
   * already sent under an earlier claim of the run is recorded as the attempt after the last of
   * those: the re-send after a takeover (or a replay) does not pose as a first attempt.
   */
  attempt: number;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string | null;
  /** The connection the call went through (connector calls); absent for raw HTTP calls. */
  connection?: string;
}

/** What came back, or why nothing did (`status` null, `error` says why). */
export interface CallAnswer {
  status: number | null;
  durationMs: number;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  error: string | null;
}

export interface NewCallRecord extends CallRequestRecord, CallAnswer {}

/** A call recorded before its request left: complete it with `completeCall`. */
export interface StartedCall {
  id: number;
  /** The attempt as recorded (see `CallRequestRecord.attempt`). */
  attempt: number;
}

export interface CallRecord extends NewCallRecord {
  id: number;
  /**
   * Present only while no answer is recorded: `in-flight` while the run still holds the claim
   * the request was sent under (the same fence, its lease unexpired at the reader's `now`),
   * `interrupted` once it does not (the process stopped, or lost the run, with the request out:
   * the destination may have received it). A process killed with its lease unexpired keeps the
   * fence until another claims the run, so the lease is what tells it is gone. `status` is then
   * null and `error` says the same in words.
   */
  unanswered?: 'in-flight' | 'interrupted';
}

/** The `error` of a call without a recorded answer, in flight and interrupted; see `CallRecord.unanswered`. */
export const NO_ANSWER_YET = 'no answer yet: the request is in flight';
export const NO_ANSWER_RECORDED = 'no answer recorded: the process stopped while the request was in flight (the destination may have received it)';

/**
 * How a stored call without an answer reads, derived when it is read rather than written at the
 * start: a placeholder error written then would tell of a stop while the request is simply out.
 */
export function unansweredCall(isInFlight: boolean): Pick<CallRecord, 'status' | 'error' | 'unanswered'> {
  return isInFlight
    ? { status: null, error: NO_ANSWER_YET, unanswered: 'in-flight' }
    : { status: null, error: NO_ANSWER_RECORDED, unanswered: 'interrupted' };
}

/** One page of a listing; `nextCursor` is opaque and null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Cursor pagination: pages never overlap or skip rows, even while new rows arrive. */
export interface PageRequest {
  cursor?: string;
  limit: number;
}

export type ApiRole = 'viewer' | 'operator' | 'admin';
export const API_ROLES: readonly ApiRole[] = ['viewer', 'operator', 'admin'];

/** An API token (`kind: 'api'`, no expiry) or an admin session (`kind: 'session'`, expires). */
export interface ApiToken {
  id: string;
  name: string;
  role: ApiRole;
  kind: 'api' | 'session';
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

export interface TokenStore {
  /**
   * Stores the token's hash, never the token, and `audit` (the admin-audit entry of its creation)
   * in the same transaction: a token whose creation could not be audited is never live.
   */
  create(token: { id: string; name: string; role: ApiRole; kind: ApiToken['kind']; hash: string; now: number; expiresAt?: number }, audit?: AdminAuditEntry): Promise<void>;
  /** The live token with this hash: not revoked, not expired at `now`. */
  findByHash(hash: string, now: number): Promise<ApiToken | undefined>;
  touch(id: string, now: number): Promise<void>;
  /** Live API tokens (sessions are not listed), oldest first. */
  list(): Promise<ApiToken[]>;
  /** False when there is no live token with this id. */
  revoke(id: string, now: number): Promise<boolean>;
  /** The local admin password's hash (scrypt, self-describing string), once set. */
  adminPasswordHash(): Promise<string | undefined>;
  /** Sets it only when none is set, unless `replace`; true when written. */
  setAdminPasswordHash(hash: string, now: number, options?: { replace?: boolean }): Promise<boolean>;
}

export interface AdminAuditEntry {
  at: number;
  /** The token's name, or 'admin' for the local admin session. */
  actor: string;
  role: ApiRole;
  action: string;
  target: string;
  detail: unknown;
}

export interface AdminAuditStore {
  record(entry: AdminAuditEntry): Promise<void>;
  /** Newest first. */
  list(filter: PageRequest & { actor?: string; action?: string }): Promise<Page<AdminAuditEntry & { id: number }>>;
}

/** How many refs one query of `XrefStore.findMany` looks up: bounds each statement and its result. */
export const XREF_FIND_MANY_CHUNK = 1000;

/**
 * Cross-references, grouped per entity: a group is one business object with at most one id per
 * system. The linking rules are `planLink` (xref/xref-plan.ts); every store applies them inside
 * one transaction so two workers linking at once cannot both win.
 */
export interface XrefStore {
  /**
   * Join `a` and `b` (and the groups they belong to). Throws `XrefConflictError` when a system would
   * get two ids. With `createdBy`, `b` is what that effect created: kept in the link's transaction,
   * for `creationOf`, also when the link is refused (it links nothing, the creation commits, then
   * the conflict is thrown): the record exists at the vendor either way.
   */
  link(entity: string, a: XrefRef, b: XrefRef, now: number, createdBy?: XrefCreation): Promise<void>;
  /**
   * What the effect with this idempotency key created (`link`'s `createdBy`, the latest when it
   * linked twice), linked or refused; undefined when none. A call step's link commits before its
   * checkpoint, so a retry of the effect after a crash in between reads here what the first
   * attempt created; a replay after a refused link links that record instead of creating another.
   */
  creationOf(effectKey: string): Promise<XrefCreated | undefined>;
  /** The group `ref` belongs to, every system's id in it; undefined when it is not linked. */
  find(entity: string, ref: XrefRef): Promise<XrefGroup | undefined>;
  /**
   * `find` for many refs at once (a reconciliation's records): the groups any of `refs` belongs
   * to, each once, in no particular order; a ref that is not linked is in none. A few queries
   * (one per `XREF_FIND_MANY_CHUNK` refs), not one per ref.
   */
  findMany(entity: string, refs: readonly XrefRef[]): Promise<XrefGroup[]>;
  /** Groups, newest link first, optionally of one entity, holding an id of one system, or holding one id (in any system). */
  list(filter: { entity?: string; system?: string; id?: string; limit?: number }): Promise<XrefGroup[]>;
  /** Take `ref` out of its group (the others stay linked to each other). False when it was not linked. */
  unlink(entity: string, ref: XrefRef): Promise<boolean>;
}

export interface ReconciliationStore {
  /** Saves a report; a second report of the same run and step (a retried step) replaces the first. */
  record(report: ReconciliationReport): Promise<void>;
  /** Newest first, without their items but with the counts only the items hold. */
  list(filter: { flowId?: string; limit?: number }): Promise<ReconciliationSummary[]>;
  get(id: string): Promise<ReconciliationReport | undefined>;
  /**
   * The runs of `flowId` under these ordering keys that are still on their way: not ended
   * (queued, running, waiting), or parked with an open exception. At most one per key, the
   * earliest; keys with none are absent. A reconcile step's `linkedBy`: a record whose own run is
   * one of these is not handed over. A few queries (one per `XREF_FIND_MANY_CHUNK` keys).
   */
  runsInFlight(flowId: string, orderingKeys: readonly string[]): Promise<RunInFlight[]>;
}

export interface RunInFlight {
  orderingKey: string;
  runId: string;
  status: RunStatus;
  /** The run's open exception, when it is parked with one. */
  exceptionId?: string;
}

export interface ReconciliationReport {
  id: string;
  flowId: string;
  runId: string;
  stepPath: string;
  entity: string;
  sourceSystem: string;
  targetSystem: string;
  matched: number;
  missing: number;
  different: number;
  at: number;
  /** The records that did not match; matched ones are only counted. */
  items: ReconciliationItem[];
}

/** A report as listed: its counts, those its items hold included, without the items. */
export interface ReconciliationSummary extends Omit<ReconciliationReport, 'items'> {
  /** Items not judged: changed within `settle`, or their own run in flight (`settling`). */
  settling: number;
  /** Items that are orphans: target records no record of the source system links to. */
  orphans: number;
  /** Missing items not handed over because the run reached its limit (`notHandedOver`). */
  notHandedOver: number;
}

export interface ReconciliationItem {
  /** missing, different: a source record. orphan: a target record no record of the source system links to. */
  status: 'missing' | 'different' | 'orphan';
  /** The source record's id; an orphan has none. */
  sourceId?: string;
  /** "order #1001", from the step's describe, else the id. */
  name: string;
  targetId?: string;
  sourceValue?: unknown;
  targetValue?: unknown;
  /** What was done about a missing record: an exception opened, a repair run queued, or one from an earlier report. */
  action?: { kind: 'exception' | 'redrive' | 'already-handled'; runId: string; exceptionId?: string };
  /** Not judged this run (changed within `settle`, or its own run in flight): neither missing nor different. */
  settling?: true;
  /** Missing but not handed over this run, and why. */
  notHandedOver?: 'over-limit';
}

export interface XrefGroup {
  entity: string;
  group: string;
  links: (XrefRef & { linkedAt: number })[];
}

/** The effect (its idempotency key) that created the id being linked, and the record its action answered. */
export interface XrefCreation {
  effectKey: string;
  record: unknown;
}

/** An id an effect created, with its record as the action answered it (JSON). */
export interface XrefCreated extends XrefRef {
  entity: string;
  record: unknown;
  /** When the effect linked it, or tried to (a refused link). */
  linkedAt: number;
}

export interface FlowStateStore {
  setEnabled(flowId: string, enabled: boolean, now: number): Promise<void>;
  /** Ids of the flows switched off. */
  disabled(): Promise<string[]>;
}

export interface EventSummary {
  id: string;
  flowId: string;
  runId: string;
  source: TriggerEvent['source'];
  receivedAt: number;
  dedupeKey: string;
}

export type CallStatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'error';

export interface CallFilter extends PageRequest {
  runId?: string;
  connection?: string;
  status?: CallStatusClass;
  /** Matched as a substring of the url and both bodies (a record id). */
  q?: string;
  /** Inclusive bounds on `at`. */
  from?: number;
  to?: number;
  /** true: only calls whose answer (or failure) is recorded; false: only those without (in flight, interrupted). */
  answered?: boolean;
  /** Tells an unanswered call in flight from an interrupted one (`CallRecord.unanswered`). */
  now: number;
}

export interface ExceptionGroup {
  flowId: string;
  reason: Reason;
  count: number;
  oldestAt: number;
}

export interface MinuteActivity {
  /** The minute's start, epoch ms. */
  minute: number;
  eventsIn: number;
  runsCompleted: number;
  exceptions: number;
  /** Latency from event received to run succeeded, nearest rank; null without completed runs. */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface ActivitySummary {
  /** Every minute from the one holding `since` to the one holding `now`, oldest first. */
  perMinute: MinuteActivity[];
  /** Succeeded / (succeeded + exceptions) among runs finished in the window; null when none finished. */
  successRate: number | null;
  openExceptionsByReason: Partial<Record<Reason, number>>;
  byFlow: Array<{ flowId: string; eventsIn: number; completed: number; exceptions: number }>;
  /** `errors`: calls answered 4xx/5xx or failed without an answer; one whose answer is not recorded (in flight, interrupted) is none. */
  byConnection: Array<{ connection: string; calls: number; errors: number }>;
}

export interface ConnectionActivity {
  connection: string;
  /** Last call answered 2xx/3xx. */
  lastSuccessAt: number | null;
  /** Last call that failed (4xx, 5xx or no response); one whose answer is not recorded (in flight, interrupted) counts neither way. */
  lastFailureAt: number | null;
}

export interface OperationsStore {
  /** Newest first. `q` matches a run id, event id or ordering key exactly. */
  pageRuns(filter: PageRequest & { flowId?: string; status?: RunStatus; q?: string }): Promise<Page<RunSummary>>;
  /** Newest first. */
  pageEvents(filter: PageRequest & { flowId?: string }): Promise<Page<EventSummary>>;
  /** OLDEST first: the inbox works from the oldest problem. */
  pageExceptions(filter: PageRequest & { flowId?: string; reason?: Reason; status?: ExceptionStatus }): Promise<Page<ExceptionRecord>>;
  exceptionGroups(filter: { status?: ExceptionStatus }): Promise<ExceptionGroup[]>;
  /** Newest first. */
  pageCalls(filter: CallFilter): Promise<Page<CallRecord>>;
  /** When each completed step of a run was checkpointed, in order. */
  checkpointTimes(runId: string): Promise<Array<{ path: string; outcome: StepCheckpoint['outcome']; at: number }>>;
  /** Activity from `since` to `now` (epoch ms). */
  summary(window: { since: number; now: number }): Promise<ActivitySummary>;
  connectionActivity(): Promise<ConnectionActivity[]>;
}

/**
 * How the dedupe key of a reconcile step's hand-over (an event of its repair flow) begins; no
 * other event's key does. Retention never prunes such an event nor its run: the reconcile step
 * finds a record's earlier hand-overs by trying their numbered keys from the first, and a pruned
 * first key would start a second hand-over beside one still open (ADR-0015).
 */
export const HAND_OVER_DEDUPE_KEY_PREFIX = 'reconcile:';

/** Runs examined, and at most deleted, in one transaction of `RetentionStore.prune`. */
export const PRUNE_BATCH_SIZE = 500;

/**
 * Retention (ADR-0015): what is old and finished goes, in short transactions, so a busy store
 * stops growing without a moment where ingest waits long.
 */
export interface RetentionStore {
  /**
   * Deletes, batch by batch (each batch its own transaction of at most `batchSize` runs or
   * calls), the runs that are terminal and finished before `runsFinishedBefore`, with everything
   * that belongs only to them: checkpoints, effects, what those effects created
   * (`xref_creations`), calls, exceptions, and their event once no other run refers to it.
   * Never a run that is queued, running or waiting, one with an open exception, a reconcile
   * hand-over (`HAND_OVER_DEDUPE_KEY_PREFIX`), nor one whose event has a run that is not
   * prunable. Then the calls made before `callsBefore` of runs that are gone or terminal without
   * an open exception. Then the bulk jobs finished before `runsFinishedBefore`, with their items
   * (never a job still being worked). Cross-references, reconciliation reports,
   * connections, secrets, tokens and the admin audit are never touched.
   *
   * Runs and jobs are walked in creation order and calls in the order they were recorded, each
   * walk up to the first one younger than its cutoff: the work is bounded by what is old, not by
   * the table. Pruning is idempotent: a second prune with the same cutoffs deletes nothing. On
   * PostgreSQL a prune finding another process pruning stops at once (`yieldedToAnother`).
   * A prune that fails part-way throws `PruneError`, with the rows its committed batches deleted.
   */
  prune(request: PruneRequest): Promise<PruneResult>;
}

export interface PruneRequest {
  /** Epoch ms; absent: no run is pruned. */
  runsFinishedBefore?: number;
  /** Epoch ms; absent: only the calls of pruned runs go. */
  callsBefore?: number;
  /** Count what would be deleted, delete nothing. */
  dryRun?: boolean;
  /** Default `PRUNE_BATCH_SIZE`. */
  batchSize?: number;
  /** Stops the prune between two batches (a shutdown); what was deleted stays deleted. */
  signal?: AbortSignal;
}

/** Rows per table. */
export interface PruneCounts {
  runs: number;
  events: number;
  checkpoints: number;
  effects: number;
  exceptions: number;
  xrefCreations: number;
  calls: number;
  bulkJobs: number;
  /** The items of those jobs (a job swept by a filter can have thousands). */
  bulkJobItems: number;
}

export interface PruneResult {
  /** Rows deleted (with `dryRun`: that a prune now would delete). */
  counts: PruneCounts;
  /** Another process was pruning this store: this one stopped and left the rest to it. */
  yieldedToAnother: boolean;
}

/**
 * A prune that failed part-way (the store became unavailable, the disk filled): the batches
 * committed before the failure stay deleted, and `counts` says what they deleted, so the failure
 * is logged and counted with them rather than hiding them. `cause` is the failure.
 */
export class PruneError extends Error {
  readonly code = 'ERR_STORE_PRUNE_FAILED';
  constructor(
    readonly counts: PruneCounts,
    cause: unknown,
  ) {
    super(`the prune failed part-way: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export type BulkJobAction = 'replay' | 'discard';

export interface NewBulkJob {
  id: string;
  action: BulkJobAction;
  /** The open exceptions to act on, in order; each once. */
  exceptionIds: readonly string[];
  /** A discard's reason, given to every exception it closes. */
  comment?: string;
  /** Who started it (the actor of its audit entry). */
  startedBy: string;
  now: number;
}

/**
 * A bulk job as stored. `done` counts every item processed, the failed ones included: progress is
 * done / total, and the job is finished (`finishedAt`) with its last item, in the same transaction.
 */
export interface BulkJob {
  id: string;
  action: BulkJobAction;
  comment: string | null;
  startedBy: string;
  total: number;
  done: number;
  /** Of `done`, the items that could not be processed (the exception was no longer open). */
  failed: number;
  createdAt: number;
  finishedAt: number | null;
  /** The process working it, until its lease expires; null when nobody is (not yet taken, handed back, finished). */
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** Claims so far: more than one means it was taken up again after the process working it stopped or died. */
  fence: number;
}

export interface BulkJobItem {
  position: number;
  exceptionId: string;
  /**
   * An earlier claim began acting on it and recorded no outcome: its process stopped between
   * the two, so the exception may already be replayed or discarded by this job.
   */
  begun: boolean;
}

/**
 * Durable bulk jobs (ADR-0016). A job is claimed like a run: a lease for one process and a fence
 * that each claim increments; every write of the claim's holder carries the fence and a stale one
 * writes nothing (`JobLeaseLostError`). Acting on an item is the caller's own transaction
 * (`replayException`, `discardException`), between `beginItem` and `recordItem`.
 */
export interface BulkJobStore {
  /**
   * Saves the job and its items in one transaction, with `audit` when given (a job that cannot be
   * audited is not kept). A job without items is finished at once.
   */
  create(job: NewBulkJob, audit?: AdminAuditEntry): Promise<BulkJob>;
  get(id: string): Promise<BulkJob | undefined>;
  /**
   * Takes the oldest unfinished job nobody holds (never taken, handed back, or its lease expired:
   * its process died or hung) for `owner` until `now + leaseMs`, incrementing its fence; undefined
   * when there is none. Two processes claiming at once never get the same job.
   */
  claim(request: { owner: string; now: number; leaseMs: number }): Promise<BulkJob | undefined>;
  /** The items without an outcome whose position is after `afterPosition` (-1: from the first), in order, at most `limit`. */
  pendingItems(jobId: string, afterPosition: number, limit: number): Promise<BulkJobItem[]>;
  /**
   * Before acting on an item: marks it begun by this claim and extends the lease to `leaseUntil`.
   * Throws `JobLeaseLostError` when the fence is stale (another process took the job over, or it
   * was handed back): the caller must not act.
   */
  beginItem(jobId: string, fence: number, position: number, leaseUntil: number): Promise<void>;
  /**
   * An item's outcome, counted once, in one transaction; the last item finishes the job (and ends
   * its lease). Throws `JobLeaseLostError` on a stale fence, changing nothing. Answers the job as it
   * now stands.
   */
  recordItem(jobId: string, fence: number, position: number, outcome: 'done' | 'failed', now: number): Promise<BulkJob>;
  /** Hands an unfinished job back (shutdown): another process, or this one after a restart, may claim it at once. False when the fence is stale. */
  release(jobId: string, fence: number): Promise<boolean>;
}

export interface QueueStats {
  /** Runs not yet finished and not executing (queued, or waiting for a retry or a delay), per flow. */
  depthByFlow: Record<string, number>;
  /** Since when the longest-waiting due run has waited: a queued or waiting run's due time, or a dead worker's expired lease; undefined when none is due. */
  oldestDueAt: number | undefined;
  openExceptions: Array<{ flowId: string; reason: Reason; count: number }>;
}

export type Readiness = { status: 'ready' } | { status: 'not-ready'; detail: string };

export interface AlertIncident {
  ruleId: string;
  summary: string;
  openedAt: number;
}

export interface AlertIncidentStore {
  /**
   * Opens an incident for the rule unless one is open. True only for the caller whose write
   * opened it: of several processes evaluating the same rule, exactly one sends the message.
   */
  open(ruleId: string, incident: { summary: string; now: number }): Promise<boolean>;
  /** Resolves the rule's open incident; true only for the caller that resolved it. */
  resolve(ruleId: string, now: number): Promise<boolean>;
  listOpen(): Promise<AlertIncident[]>;
}

/** A write carried a stale fencing token: another worker owns the run now. */
export class LeaseLostError extends Error {
  readonly code = 'ERR_STORE_LEASE_LOST';
  constructor(runId: string) {
    super(`run ${runId} was claimed by another worker; this worker's result is discarded`);
  }
}

/** A write on a bulk job carried a stale fencing token: another process works the job now, or it was handed back. */
export class JobLeaseLostError extends Error {
  readonly code = 'ERR_STORE_JOB_LEASE_LOST';
  constructor(jobId: string) {
    super(`job ${jobId} is no longer held by this claim; another process may work it now`);
  }
}

export class NotReplayableError extends Error {
  readonly code = 'ERR_EXCEPTION_NOT_OPEN';
}

/** The store cannot commit now (locked, disk full): ingest answers 503 with Retry-After. */
export class StoreUnavailableError extends Error {
  readonly code = 'ERR_STORE_UNAVAILABLE';
}
