import type { RunStatus } from '../core/run.ts';
import type { ReconciliationItem, ReconciliationReport, ReconciliationSummary, RunInFlight } from './store.ts';

/** The reconciliations table's row, the same in SQLite and PostgreSQL. */
export interface ReconciliationRow {
  id: string;
  flow_id: string;
  run_id: string;
  step_path: string;
  entity: string;
  source_system: string;
  target_system: string;
  matched: number;
  missing: number;
  different: number;
  created_at: number;
  items?: string;
}

/** A listed row: the counts its items hold, counted by the query (the items stay in the database). */
export interface ReconciliationSummaryRow extends ReconciliationRow {
  settling: number | string;
  orphans: number | string;
  not_handed_over: number | string;
}

export const RECONCILIATION_SUMMARY_COLUMNS = 'id, flow_id, run_id, step_path, entity, source_system, target_system, matched, missing, different, created_at';

export function summaryFromRow(row: ReconciliationSummaryRow): ReconciliationSummary {
  return { ...reportFromRow(row), settling: Number(row.settling), orphans: Number(row.orphans), notHandedOver: Number(row.not_handed_over) };
}

export function reportFromRow(row: ReconciliationRow): Omit<ReconciliationReport, 'items'> & { items?: ReconciliationItem[] } {
  return {
    id: row.id,
    flowId: row.flow_id,
    runId: row.run_id,
    stepPath: row.step_path,
    entity: row.entity,
    sourceSystem: row.source_system,
    targetSystem: row.target_system,
    matched: row.matched,
    missing: row.missing,
    different: row.different,
    at: row.created_at,
    ...(row.items === undefined ? {} : { items: JSON.parse(row.items) as ReconciliationItem[] }),
  };
}

/** A run of `runsInFlight`'s queries: one not ended, or parked with an open exception. */
export interface RunInFlightRow {
  ordering_key: string;
  id: string;
  status: RunStatus;
  exception_id: string | null;
  seq: number | string;
}

/** The earliest run in flight per ordering key, from the rows of both queries (a run may be in both). */
export function earliestInFlight(rows: readonly RunInFlightRow[]): RunInFlight[] {
  const byKey = new Map<string, RunInFlightRow>();
  for (const row of rows) {
    const kept = byKey.get(row.ordering_key);
    if (kept === undefined || Number(row.seq) < Number(kept.seq) || (row.id === kept.id && kept.exception_id === null)) byKey.set(row.ordering_key, row);
  }
  return [...byKey.values()].map((row) => ({ orderingKey: row.ordering_key, runId: row.id, status: row.status, ...(row.exception_id === null ? {} : { exceptionId: row.exception_id }) }));
}
