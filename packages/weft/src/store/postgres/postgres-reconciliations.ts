import type { ReconciliationReport, ReconciliationStore } from '../store.ts';
import type { PostgresAccess } from './postgres-access.ts';
import { reportFromRow, type ReconciliationRow, RECONCILIATION_SUMMARY_COLUMNS } from '../reconciliation-rows.ts';

export function createPostgresReconciliations({ query }: PostgresAccess): ReconciliationStore {
  return {
    record: async (report) => {
      await query(
        `INSERT INTO reconciliations (id, flow_id, run_id, step_path, entity, source_system, target_system, matched, missing, different, items, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (run_id, step_path) DO UPDATE SET id = excluded.id, matched = excluded.matched, missing = excluded.missing,
           different = excluded.different, items = excluded.items, created_at = excluded.created_at`,
        [report.id, report.flowId, report.runId, report.stepPath, report.entity, report.sourceSystem, report.targetSystem, report.matched, report.missing, report.different, JSON.stringify(report.items), report.at],
      );
    },
    list: async ({ flowId, limit = 50 }) =>
      (
        await query<ReconciliationRow>(
          `SELECT ${RECONCILIATION_SUMMARY_COLUMNS} FROM reconciliations WHERE ($1::text IS NULL OR flow_id = $1) ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2`,
          [flowId ?? null, limit],
        )
      ).map((row) => reportFromRow(row)),
    get: async (id) => {
      const [row] = await query<ReconciliationRow>(`SELECT ${RECONCILIATION_SUMMARY_COLUMNS}, items FROM reconciliations WHERE id = $1`, [id]);
      return row === undefined ? undefined : (reportFromRow(row) as ReconciliationReport);
    },
  };
}
