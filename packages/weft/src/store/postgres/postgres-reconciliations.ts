import { XREF_FIND_MANY_CHUNK, type ReconciliationStore, type ReconciliationReport, type RunInFlight } from '../store.ts';
import type { PostgresAccess } from './postgres-access.ts';
import { earliestInFlight, reportFromRow, summaryFromRow, type ReconciliationRow, type ReconciliationSummaryRow, type RunInFlightRow, RECONCILIATION_SUMMARY_COLUMNS } from '../reconciliation-rows.ts';

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
    // The counts only the items hold are counted here, for the listed reports only (the inner
    // query limits first), so a listing never carries the items themselves.
    list: async ({ flowId, limit = 50 }) =>
      (
        await query<ReconciliationSummaryRow>(
          `SELECT ${RECONCILIATION_SUMMARY_COLUMNS}, c.settling, c.orphans, c.not_handed_over
           FROM (SELECT * FROM reconciliations WHERE ($1::text IS NULL OR flow_id = $1) ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2) r,
             LATERAL (SELECT count(*) FILTER (WHERE e ? 'settling') AS settling, count(*) FILTER (WHERE e ->> 'status' = 'orphan') AS orphans,
               count(*) FILTER (WHERE e ? 'notHandedOver') AS not_handed_over FROM jsonb_array_elements(r.items::jsonb) e) c
           ORDER BY created_at DESC, id COLLATE "C" DESC`,
          [flowId ?? null, limit],
        )
      ).map((row) => summaryFromRow(row)),
    get: async (id) => {
      const [row] = await query<ReconciliationRow>(`SELECT ${RECONCILIATION_SUMMARY_COLUMNS}, items FROM reconciliations WHERE id = $1`, [id]);
      return row === undefined ? undefined : (reportFromRow(row) as ReconciliationReport);
    },
    // Runs not ended (on runs_ordering), and the flow's open exceptions with their runs' keys.
    runsInFlight: async (flowId, orderingKeys) => {
      const found: RunInFlight[] = [];
      for (let start = 0; start < orderingKeys.length; start += XREF_FIND_MANY_CHUNK) {
        const keys = orderingKeys.slice(start, start + XREF_FIND_MANY_CHUNK);
        const rows = await query<RunInFlightRow>(
          `SELECT r.ordering_key, r.id, r.status, NULL AS exception_id, r.seq FROM runs r
           WHERE r.flow_id = $1 AND r.claimable_at IS NOT NULL AND r.ordering_key = ANY($2::text[])
           UNION ALL
           SELECT r.ordering_key, r.id, r.status, e.id, r.seq FROM exceptions e JOIN runs r ON r.id = e.run_id
           WHERE e.flow_id = $1 AND e.status = 'open' AND r.ordering_key = ANY($2::text[])`,
          [flowId, keys],
        );
        found.push(...earliestInFlight(rows));
      }
      return found;
    },
  };
}
