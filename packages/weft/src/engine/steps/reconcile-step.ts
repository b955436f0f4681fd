import type { ReconcileStep } from '../../flows/flow-schema.ts';
import type { Clock } from '../../core/clock.ts';
import { toMs } from '../../core/duration.ts';
import { keyText, sha256Hex } from '../../core/ids.ts';
import { HAND_OVER_DEDUPE_KEY_PREFIX, type ReconciliationItem, type RunInFlight, type Store, type XrefGroup } from '../../store/store.ts';
import type { RepairLauncher } from '../repairs.ts';
import { StepFailedError } from '../step-failure.ts';
import type { Evaluate } from './canonical-steps.ts';
import { isAbsent, sameValue } from './reconcile-compare.ts';

export interface ReconcileDeps {
  store: Store;
  clock: Clock;
  repairs: RepairLauncher;
}

/** Evaluates an expression over one record (the record is the expression's input). */
export type EvaluateOn = (source: string, record: unknown) => Promise<unknown>;

/** How long a changed source record is left to its own run before it is judged (the step's `settle`). */
export const DEFAULT_SETTLE = '15m';

/**
 * At most this many records are handed to the repair flow by one reconcile step run (new
 * exceptions or queued repair runs): a night that finds 2,000 records missing is a broken
 * listing or a stopped flow, which 2,000 exceptions (and announcements) would bury rather than
 * tell. The rest are reported as not handed over; a later run hands them over.
 */
export const MAX_HAND_OVERS_PER_RUN = 100;

export interface ReconcileOutput {
  reportId: string;
  matched: number;
  /** Judged missing (settling records not included). */
  missing: number;
  /** Judged different (settling records not included). */
  different: number;
  /** Missing or different, but changed within `settle` or its own run in flight (`linkedBy`): not judged this run. */
  settling: number;
  /** Missing records not handed to the repair flow because this run reached MAX_HAND_OVERS_PER_RUN. */
  notHandedOver: number;
  /** Source records the source side listed more than once; each is judged once. */
  duplicates: number;
  /** Target records no record of the source system links to: reported, never handed over. */
  orphans: number;
}

/**
 * A report item as this step writes it: the store's item and, in the same JSON, what only this
 * step and `weft reconcile report` read. `status` is what the record looks like now.
 */
export interface ReconcileReportItem extends ReconciliationItem {
  /** The record's own run (of `linkedBy.flow`) still on its way when this run judged it: why it is settling. */
  inFlight?: { runId: string; exceptionId?: string };
  /** Which hand-over of this record `action` is: the generation in its dedupe key (1 when absent). */
  handOver?: number;
}

/** One side's records reduced to what comparing needs. */
export interface SideRecord {
  id: string;
  name: string;
  value?: unknown;
  /** When the source record last changed (epoch ms), when the step's source has `changedAt`. */
  changedAt?: number;
  record: unknown;
}

/** A record's own run still on its way, by source id (`linkedBy`). */
export type RunsInFlight = ReadonlyMap<string, Pick<RunInFlight, 'runId' | 'exceptionId'>>;

/** A source record that did not match, as the report will hold it, with the record for a hand-over. */
export type UnmatchedRecord = SourceItem & { record: unknown };

/** A source record's item before anything is done about it. */
type SourceItem = Omit<ReconcileReportItem, 'action' | 'sourceId'> & { sourceId: string };

/** What the cross-reference says about the records of both sides. */
export interface SideLinks {
  /** The target system's id linked to this source id. */
  targetOf(sourceId: string): string | undefined;
  /** Whether this target id is linked to any id of the source system (listed by the source side or not). */
  hasSource(targetId: string): boolean;
}

/** The links between the two systems, from the groups of both sides' records (`XrefStore.findMany`). */
function sideLinks(groups: readonly XrefGroup[], sourceSystem: string, targetSystem: string): SideLinks {
  const targetBySource = new Map<string, string | undefined>();
  const targetsWithSource = new Set<string>();
  for (const group of groups) {
    const sourceId = group.links.find((link) => link.system === sourceSystem)?.id;
    const targetId = group.links.find((link) => link.system === targetSystem)?.id;
    if (sourceId !== undefined) targetBySource.set(sourceId, targetId);
    if (sourceId !== undefined && targetId !== undefined) targetsWithSource.add(targetId);
  }
  return { targetOf: (sourceId) => targetBySource.get(sourceId), hasSource: (targetId) => targetsWithSource.has(targetId) };
}

/**
 * Pure: classifies each source record by the cross-reference. Missing: no link to the target
 * system, or a link to a record the target side did not return (the item keeps that target id).
 * Different: linked and present, but the compared values disagree (`sameValue`). A record that
 * is either but changed after `settledBefore`, or whose own run is in `inFlight`, is settling:
 * not judged. A record the source lists
 * twice is judged once, by its last copy. A target record no id of the source system links to
 * (a duplicate a race created, one made by hand) is an orphan: in the report, never handed over,
 * since its repair is deleting or linking it, a person's call.
 */
export function classify(
  source: readonly SideRecord[],
  target: readonly SideRecord[],
  links: SideLinks,
  options: { compare: boolean; settledBefore?: number; inFlight?: RunsInFlight },
) {
  const sourceById = new Map<string, SideRecord>();
  for (const record of source) sourceById.set(record.id, record);
  const targetById = new Map(target.map((record) => [record.id, record]));
  let matched = 0;
  const unmatched: UnmatchedRecord[] = [];
  for (const record of sourceById.values()) {
    const targetId = links.targetOf(record.id);
    const counterpart = targetId === undefined ? undefined : targetById.get(targetId);
    const ownRun = options.inFlight?.get(record.id);
    const settling =
      ownRun !== undefined
        ? { settling: true as const, inFlight: { runId: ownRun.runId, ...(ownRun.exceptionId === undefined ? {} : { exceptionId: ownRun.exceptionId }) } }
        : options.settledBefore !== undefined && record.changedAt !== undefined && record.changedAt > options.settledBefore
          ? { settling: true as const }
          : {};
    if (counterpart === undefined) {
      unmatched.push({ status: 'missing', sourceId: record.id, name: record.name, ...(targetId === undefined ? {} : { targetId }), ...settling, record: record.record });
    } else if (options.compare && !sameValue(record.value, counterpart.value)) {
      // null, not undefined: JSON keeps it, so the report says "no value" rather than dropping the key.
      const values = { sourceValue: isAbsent(record.value) ? null : record.value, targetValue: isAbsent(counterpart.value) ? null : counterpart.value };
      unmatched.push({ status: 'different', sourceId: record.id, name: record.name, targetId: counterpart.id, ...values, ...settling, record: record.record });
    } else {
      matched += 1;
    }
  }
  const orphans: ReconcileReportItem[] = [];
  for (const record of targetById.values()) {
    if (!links.hasSource(record.id)) orphans.push({ status: 'orphan', name: record.name, targetId: record.id });
  }
  return { matched, unmatched, orphans, duplicates: source.length - sourceById.size };
}

/**
 * `reconcile:` compares both sides, records a report, and handles what is missing: counted
 * (report), parked as a replayable `not-found` exception of the repair flow (exception), or
 * queued to the repair flow (redrive). See `handOver` for when a record is handed over. Orphans
 * (target records nothing in the source system links to) are only reported.
 */
export async function executeReconcileStep(
  deps: ReconcileDeps,
  ctx: { flowId: string; runId: string; stepPath: string },
  step: ReconcileStep,
  evaluate: Evaluate,
  evaluateOn: EvaluateOn,
): Promise<ReconcileOutput> {
  const { entity, source, target, onMissing = 'report', repairFlow, settle = DEFAULT_SETTLE, linkedBy } = step.reconcile;
  const compare = source.compare !== undefined && target.compare !== undefined;
  const [sourceRecords, targetRecords] = await Promise.all([readSide(source, evaluate, evaluateOn, step.id, compare), readSide(target, evaluate, evaluateOn, step.id, compare)]);
  const run = await deps.store.getRun(ctx.runId);
  if (run === undefined) throw new Error(`run ${ctx.runId} of a reconcile step is not in the store`);

  // Before the links are read: a run that ends after this read has linked its record by the time
  // the links are read, so a record is never both out of flight here and unlinked there for it.
  const inFlight = linkedBy === undefined ? undefined : await runsInFlightOf(deps.store, linkedBy, sourceRecords, evaluateOn, step.id);
  // Both sides' links in one lookup, not one per record: a night's listing is thousands.
  const refsOf = (system: string, records: readonly SideRecord[]) => [...new Set(records.map((record) => record.id))].map((id) => ({ system, id }));
  const groups = await deps.store.xref.findMany(entity, [...refsOf(source.system, sourceRecords), ...refsOf(target.system, targetRecords)]);
  const links = sideLinks(groups, source.system, target.system);
  // Measured from when the run was created, not from the clock: a retried step judges the same records.
  const { matched, unmatched, orphans, duplicates } = classify(sourceRecords, targetRecords, links, { compare, settledBefore: run.createdAt - toMs(settle), ...(inFlight === undefined ? {} : { inFlight }) });

  const handOver = onMissing === 'report' ? undefined : createHandOver(deps, { ...ctx, runCreatedAt: run.createdAt }, step, await previousHandOvers(deps.store, ctx));
  const items: ReconcileReportItem[] = [];
  for (const { record, ...item } of unmatched) {
    items.push(item.status === 'missing' && item.settling === undefined && handOver !== undefined ? await handOver(item, record) : item);
  }
  items.push(...orphans);

  const judged = items.filter((item) => item.settling === undefined);
  const report = {
    id: reportIdOf(run.createdAt, ctx.runId, ctx.stepPath),
    flowId: ctx.flowId,
    runId: ctx.runId,
    stepPath: ctx.stepPath,
    entity,
    sourceSystem: source.system,
    targetSystem: target.system,
    matched,
    missing: judged.filter((item) => item.status === 'missing').length,
    different: judged.filter((item) => item.status === 'different').length,
    at: deps.clock.now(),
    items,
  };
  await deps.store.reconciliations.record(report);
  return {
    reportId: report.id,
    matched,
    missing: report.missing,
    different: report.different,
    settling: items.filter((item) => item.settling !== undefined).length,
    notHandedOver: items.filter((item) => item.notHandedOver !== undefined).length,
    duplicates,
    orphans: orphans.length,
  };
}

/**
 * The report's id, the same for every attempt of the step (a retry after a crash replaces the
 * report under the id it had): time-sortable by the run's creation, then a hash of run and step.
 */
function reportIdOf(runCreatedAt: number, runId: string, stepPath: string): string {
  return `rec_${runCreatedAt.toString(16).padStart(12, '0')}${sha256Hex(`${runId}\u0000${stepPath}`).slice(0, 10)}`;
}

/** A missing record's earlier hand-over as the last report of this step (another run's) lists it. */
interface EarlierHandOver {
  runId: string;
  handOver: number;
}

/** Per source id, the hand-over the previous report of this flow's step recorded; a hint, checked against the runs. */
async function previousHandOvers(store: Store, ctx: { flowId: string; runId: string; stepPath: string }): Promise<Map<string, EarlierHandOver>> {
  const reports = await store.reconciliations.list({ flowId: ctx.flowId, limit: 20 });
  const previous = reports.find((report) => report.stepPath === ctx.stepPath && report.runId !== ctx.runId);
  const items = previous === undefined ? [] : (((await store.reconciliations.get(previous.id))?.items ?? []) as ReconcileReportItem[]);
  return new Map(items.flatMap((item) => (item.action === undefined || item.sourceId === undefined ? [] : [[item.sourceId, { runId: item.action.runId, handOver: item.handOver ?? 1 }] as const])));
}

/** Where a hand-over's run stands: open while it is queued, running or waiting, or parked with an open exception. */
async function handOverState(store: Store, runId: string): Promise<{ open: boolean; createdAt: number; exceptionId?: string }> {
  const run = await store.getRun(runId);
  if (run === undefined) return { open: false, createdAt: 0 };
  const exceptions = await store.listExceptions({ runId, limit: 20 });
  const exception = exceptions.find((candidate) => candidate.status === 'open') ?? exceptions[0];
  const open = run.status === 'queued' || run.status === 'running' || run.status === 'waiting' || exception?.status === 'open';
  return { open, createdAt: run.createdAt, ...(exception === undefined ? {} : { exceptionId: exception.id }) };
}

/**
 * Hands missing records to the repair flow, one at a time. A record is handed over when it is
 * missing and no earlier hand-over of it is open (a run of the repair flow queued, running or
 * waiting, or parked with an open exception); never twice while one is open, and at most once
 * per reconciliation run. Each hand-over of a record has a dedupe key of its own: the first
 * `reconcile:<repairFlow>:<entity>:<system>:<id>` (as before hand-overs were numbered), the n-th
 * `reconcile:<repairFlow>:<entity>:<system>#<n>:<id>`. The keys are tried in order: a key
 * already used names an earlier hand-over, whose run says whether it is still open; a free one
 * starts the next. So a retry of this run after a crash meets its own hand-overs again (and
 * their exception ids) instead of starting others. The previous report's hand-over of a record
 * saves trying the keys from the first. The probe relies on no key being freed while a later one
 * is taken: retention keeps every hand-over's event and run (their keys begin with
 * `HAND_OVER_DEDUPE_KEY_PREFIX`, which it tests), or a pruned #1 beside an open #2 would read
 * as free and start a second repair of the record (ADR-0015).
 *
 * A record linked to a target id the target side did not return is handed over as an exception,
 * whatever `onMissing` says, naming the link: the repair flow's create step would find that link
 * and reuse it, creating nothing. The step does not remove the link itself: the target records
 * are whatever earlier steps read (a window, a page, a filter), so an id absent from them is not
 * proof that the target has no such record, and a wrong unlink makes the repair create a second one.
 */
function createHandOver(
  deps: ReconcileDeps,
  ctx: { runCreatedAt: number },
  step: ReconcileStep,
  earlier: ReadonlyMap<string, EarlierHandOver>,
): (item: SourceItem, record: unknown) => Promise<ReconcileReportItem> {
  const { entity, source, target, onMissing, repairFlow } = step.reconcile;
  const keyOf = (sourceId: string, generation: number) =>
    `${HAND_OVER_DEDUPE_KEY_PREFIX}${repairFlow}:${entity}:${source.system}${generation === 1 ? '' : `#${generation}`}:${keyText(sourceId)}`;
  let handedOver = 0;

  return async (item, record) => {
    const hint = earlier.get(item.sourceId);
    let generation = 1;
    if (hint !== undefined) {
      const state = await handOverState(deps.store, hint.runId);
      if (state.open) return withAction(item, 'already-handled', hint.runId, state.exceptionId, hint.handOver);
      generation = hint.handOver + 1;
    }
    const asException = onMissing === 'exception' || item.targetId !== undefined;
    const kind = asException ? 'exception' : 'redrive';
    for (;; generation += 1) {
      if (handedOver >= MAX_HAND_OVERS_PER_RUN) return { ...item, notHandedOver: 'over-limit' };
      const launched = await deps.repairs.launch({
        flowId: repairFlow!,
        input: record,
        dedupeKey: keyOf(item.sourceId, generation),
        ...(asException ? { exception: { reason: 'not-found' as const, message: sentenceFor(step, item) } } : {}),
      });
      if (!launched.duplicate) {
        handedOver += 1;
        return withAction(item, kind, launched.runId, launched.exceptionId, generation);
      }
      // A launch answers no exception id for a key it has seen: the store has it, by the run.
      const state = await handOverState(deps.store, launched.runId);
      if (state.createdAt >= ctx.runCreatedAt) {
        handedOver += 1;
        return withAction(item, kind, launched.runId, state.exceptionId, generation);
      }
      if (state.open) return withAction(item, 'already-handled', launched.runId, state.exceptionId, generation);
    }
  };
}

function withAction(item: Omit<ReconcileReportItem, 'action'>, kind: NonNullable<ReconciliationItem['action']>['kind'], runId: string, exceptionId: string | undefined, generation: number): ReconcileReportItem {
  return { ...item, action: { kind, runId, ...(exceptionId === undefined ? {} : { exceptionId }) }, ...(generation === 1 ? {} : { handOver: generation }) };
}

/** The exception's sentence: what is missing, and for a stale link which link to remove before replaying. */
function sentenceFor(step: ReconcileStep, item: SourceItem): string {
  const { entity, source, target } = step.reconcile;
  const name = capitalize(item.name);
  if (item.targetId === undefined) return `${name} in ${source.system} has no ${entity} in ${target.system}.`;
  return (
    `${name} in ${source.system} is linked to ${target.system} ${entity} ${item.targetId}, which the ${target.system} records read by this reconciliation do not include. ` +
    `If it no longer exists in ${target.system}, remove the stale link with \`weft xref unlink ${entity} ${target.system}:${item.targetId}\`, then replay this exception; ` +
    `replayed without that, the repair reuses the link and creates nothing. If ${target.system} still has it, discard this exception.`
  );
}

/**
 * `linkedBy`: the source records whose own run (of the flow that links them, found by its
 * ordering key) has not ended or is parked with an open exception. Such a record is left to that
 * run: a hand-over beside it would run a second create of the record — beside the run's retry,
 * or after an attempt that reached the target and lost its answer — and at a vendor without
 * idempotency (or under another idempotency key) that is a second record. `settle` cannot stand
 * in for this: a run retries for longer than any settle window when the target is down.
 */
async function runsInFlightOf(
  store: Store,
  linkedBy: NonNullable<ReconcileStep['reconcile']['linkedBy']>,
  records: readonly SideRecord[],
  evaluateOn: EvaluateOn,
  stepId: string,
): Promise<RunsInFlight> {
  const keyOf = new Map<string, string>();
  for (const record of records) {
    if (keyOf.has(record.id)) continue;
    const value = await evaluateOn(linkedBy.orderingKey, record.record);
    if (value === undefined || value === null || value === '') {
      throw new StepFailedError({
        retryable: false,
        reason: 'mapping',
        message: `The reconcile step '${stepId}' cannot find the ${linkedBy.flow} run of ${record.name}: its linkedBy.orderingKey expression gave ${JSON.stringify(value) ?? 'nothing'}.`,
      });
    }
    keyOf.set(record.id, keyText(value));
  }
  const runs = new Map((await store.reconciliations.runsInFlight(linkedBy.flow, [...new Set(keyOf.values())])).map((run) => [run.orderingKey, run]));
  const bySource = new Map<string, RunInFlight>();
  for (const [sourceId, key] of keyOf) {
    const run = runs.get(key);
    if (run !== undefined) bySource.set(sourceId, run);
  }
  return bySource;
}

async function readSide(side: ReconcileStep['reconcile']['source'], evaluate: Evaluate, evaluateOn: EvaluateOn, stepId: string, compare: boolean): Promise<SideRecord[]> {
  const value = await evaluate(side.records);
  // A null among them is a read that found nothing (a call step's `onNotFound: continue`): no record.
  const records = (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).filter((record) => record !== null);
  return Promise.all(
    records.map(async (record, index) => {
      const id = await evaluateOn(side.id, record);
      if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
        throw new StepFailedError({
          retryable: false,
          reason: 'mapping',
          message: `The reconcile step '${stepId}' found a ${side.system} record without an id (record ${index + 1}: its id expression gave ${JSON.stringify(id) ?? 'nothing'}).`,
        });
      }
      const name = side.describe === undefined ? `${side.system} record ${id}` : String((await evaluateOn(side.describe, record)) ?? id);
      const changedAt = side.changedAt === undefined ? {} : { changedAt: instantOf(await evaluateOn(side.changedAt, record), `${side.system} record ${id}`, stepId) };
      return { id: String(id), name, record, ...changedAt, ...(compare ? { value: await evaluateOn(side.compare!, record) } : {}) };
    }),
  );
}

const DATE_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:\d{2})$/;

/** A changedAt value as epoch ms: a date-time with an offset, or a number of milliseconds. */
function instantOf(value: unknown, record: string, stepId: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const ms = typeof value === 'string' && DATE_TIME_WITH_OFFSET.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isNaN(ms)) return ms;
  throw new StepFailedError({
    retryable: false,
    reason: 'mapping',
    message: `The reconcile step '${stepId}' cannot tell when ${record} changed: its changedAt expression gave ${JSON.stringify(value) ?? 'nothing'}, not a date-time with an offset or epoch milliseconds.`,
  });
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
