import type { ReconciliationItem, ReconciliationReport } from './store.ts';

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

export const RECONCILIATION_SUMMARY_COLUMNS = 'id, flow_id, run_id, step_path, entity, source_system, target_system, matched, missing, different, created_at';

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
