import type { ReconcileStep } from '../../flows/flow-schema.ts';
import { keyText, newId } from '../../core/ids.ts';
import type { Clock } from '../../core/clock.ts';
import type { ReconciliationItem, Store } from '../../store/store.ts';
import type { RepairLauncher } from '../repairs.ts';
import { StepFailedError } from '../step-failure.ts';
import type { Evaluate } from './canonical-steps.ts';

export interface ReconcileDeps {
  store: Store;
  clock: Clock;
  repairs: RepairLauncher;
}

/** Evaluates an expression over one record (the record is the expression's input). */
export type EvaluateOn = (source: string, record: unknown) => Promise<unknown>;

export interface ReconcileOutput {
  reportId: string;
  matched: number;
  missing: number;
  different: number;
}

/** One side's records reduced to what comparing needs. */
export interface SideRecord {
  id: string;
  name: string;
  value?: unknown;
  record: unknown;
}

/**
 * Pure: classifies each source record by the cross-reference. Missing: no link to the target
 * system, or a link to a record the target side did not return. Different: linked and present,
 * but the compared values disagree. Target records nobody links to are not the source's problem
 * and are not counted.
 */
export function classify(source: readonly SideRecord[], target: readonly SideRecord[], linkedTargetId: (sourceId: string) => string | undefined, compare: boolean) {
  const targetById = new Map(target.map((record) => [record.id, record]));
  let matched = 0;
  const unmatched: (Omit<ReconciliationItem, 'action'> & { record: unknown })[] = [];
  for (const record of source) {
    const targetId = linkedTargetId(record.id);
    const counterpart = targetId === undefined ? undefined : targetById.get(targetId);
    if (counterpart === undefined) {
      unmatched.push({ status: 'missing', sourceId: record.id, name: record.name, ...(targetId === undefined ? {} : { targetId }), record: record.record });
    } else if (compare && !sameValue(record.value, counterpart.value)) {
      unmatched.push({ status: 'different', sourceId: record.id, name: record.name, targetId: counterpart.id, sourceValue: record.value, targetValue: counterpart.value, record: record.record });
    } else {
      matched += 1;
    }
  }
  return { matched, unmatched };
}

/** Numbers and numeric strings compare as numbers ("19.90" = 19.9); anything else as JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  const numeric = (value: unknown) => (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? Number(value) : undefined);
  const [x, y] = [numeric(a), numeric(b)];
  if (x !== undefined && y !== undefined) return x === y;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * `reconcile:` compares both sides, records a report, and handles what is missing: counted
 * (report), parked as a replayable `not-found` exception of the repair flow (exception), or
 * queued to the repair flow (redrive). A missing record is handed to the repair flow once ever
 * (its dedupe key names the record), so a nightly reconciliation neither opens a second
 * exception for it nor creates the record twice.
 */
export async function executeReconcileStep(
  deps: ReconcileDeps,
  ctx: { flowId: string; runId: string; stepPath: string },
  step: ReconcileStep,
  evaluate: Evaluate,
  evaluateOn: EvaluateOn,
): Promise<ReconcileOutput> {
  const { entity, source, target, onMissing = 'report', repairFlow } = step.reconcile;
  const compare = source.compare !== undefined && target.compare !== undefined;
  const [sourceRecords, targetRecords] = await Promise.all([readSide(source, evaluate, evaluateOn, step.id, compare), readSide(target, evaluate, evaluateOn, step.id, compare)]);

  const links = new Map<string, string | undefined>();
  for (const record of sourceRecords) {
    const group = await deps.store.xref.find(entity, { system: source.system, id: record.id });
    links.set(record.id, group?.links.find((link) => link.system === target.system)?.id);
  }
  const { matched, unmatched } = classify(sourceRecords, targetRecords, (id) => links.get(id), compare);

  const items: ReconciliationItem[] = [];
  for (const { record, ...item } of unmatched) {
    if (item.status !== 'missing' || onMissing === 'report') {
      items.push(item);
      continue;
    }
    const sentence = `${capitalize(item.name)} in ${source.system} has no ${entity} in ${target.system}${item.targetId ? ` (its linked ${target.system} id ${item.targetId} was not found)` : ''}.`;
    const launched = await deps.repairs.launch({
      flowId: repairFlow!,
      input: record,
      dedupeKey: `reconcile:${repairFlow}:${entity}:${source.system}:${keyText(item.sourceId)}`,
      ...(onMissing === 'exception' ? { exception: { reason: 'not-found' as const, message: sentence } } : {}),
    });
    const kind = launched.duplicate ? 'already-handled' : onMissing;
    items.push({ ...item, action: { kind, runId: launched.runId, ...(launched.exceptionId ? { exceptionId: launched.exceptionId } : {}) } });
  }

  const now = deps.clock.now();
  const report = {
    id: newId('rec', now),
    flowId: ctx.flowId,
    runId: ctx.runId,
    stepPath: ctx.stepPath,
    entity,
    sourceSystem: source.system,
    targetSystem: target.system,
    matched,
    missing: items.filter((item) => item.status === 'missing').length,
    different: items.filter((item) => item.status === 'different').length,
    at: now,
    items,
  };
  await deps.store.reconciliations.record(report);
  return { reportId: report.id, matched, missing: report.missing, different: report.different };
}

async function readSide(side: ReconcileStep['reconcile']['source'], evaluate: Evaluate, evaluateOn: EvaluateOn, stepId: string, compare: boolean): Promise<SideRecord[]> {
  const value = await evaluate(side.records);
  const records = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
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
      return { id: String(id), name, record, ...(compare ? { value: await evaluateOn(side.compare!, record) } : {}) };
    }),
  );
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
