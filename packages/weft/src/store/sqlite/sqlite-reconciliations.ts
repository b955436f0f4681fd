import type { ReconciliationReport, ReconciliationStore } from '../store.ts';
import type { SqliteAccess } from './sqlite-connections.ts';
import { reportFromRow, type ReconciliationRow, RECONCILIATION_SUMMARY_COLUMNS } from '../reconciliation-rows.ts';

export function createSqliteReconciliations({ sql, write, read }: SqliteAccess): ReconciliationStore {
  return {
    record: (report: ReconciliationReport) =>
      write(() => {
        sql(`
          INSERT INTO reconciliations (id, flow_id, run_id, step_path, entity, source_system, target_system, matched, missing, different, items, created_at)
          VALUES (@id, @flowId, @runId, @stepPath, @entity, @sourceSystem, @targetSystem, @matched, @missing, @different, @items, @at)
          ON CONFLICT (run_id, step_path) DO UPDATE SET id = excluded.id, matched = excluded.matched, missing = excluded.missing,
            different = excluded.different, items = excluded.items, created_at = excluded.created_at`).run({ ...report, items: JSON.stringify(report.items) });
      }),
    list: ({ flowId, limit = 50 }) =>
      read(() =>
        (
          sql(`SELECT ${RECONCILIATION_SUMMARY_COLUMNS} FROM reconciliations WHERE (? IS NULL OR flow_id = ?) ORDER BY created_at DESC, id DESC LIMIT ?`).all(
            flowId ?? null,
            flowId ?? null,
            limit,
          ) as ReconciliationRow[]
        ).map((row) => reportFromRow(row)),
      ),
    get: (id) =>
      read(() => {
        const row = sql(`SELECT ${RECONCILIATION_SUMMARY_COLUMNS}, items FROM reconciliations WHERE id = ?`).get(id) as ReconciliationRow | undefined;
        return row === undefined ? undefined : (reportFromRow(row) as ReconciliationReport);
      }),
  };
}
