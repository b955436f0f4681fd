import { XREF_FIND_MANY_CHUNK, type ReconciliationReport, type ReconciliationStore, type RunInFlight } from '../store.ts';
import type { SqliteAccess } from './sqlite-connections.ts';
import { earliestInFlight, reportFromRow, summaryFromRow, type ReconciliationRow, type ReconciliationSummaryRow, type RunInFlightRow, RECONCILIATION_SUMMARY_COLUMNS } from '../reconciliation-rows.ts';

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
    // The counts only the items hold are counted here, for the listed reports only (the inner
    // query limits first), so a listing never carries the items themselves.
    list: ({ flowId, limit = 50 }) =>
      read(() =>
        (
          sql(`
            SELECT ${RECONCILIATION_SUMMARY_COLUMNS},
              (SELECT count(*) FROM json_each(r.items) WHERE value ->> '$.settling' IS NOT NULL) AS settling,
              (SELECT count(*) FROM json_each(r.items) WHERE value ->> '$.status' = 'orphan') AS orphans,
              (SELECT count(*) FROM json_each(r.items) WHERE value ->> '$.notHandedOver' IS NOT NULL) AS not_handed_over
            FROM (SELECT * FROM reconciliations WHERE (@flowId IS NULL OR flow_id = @flowId) ORDER BY created_at DESC, id DESC LIMIT @limit) r
            ORDER BY created_at DESC, id DESC`).all({ flowId: flowId ?? null, limit }) as ReconciliationSummaryRow[]
        ).map((row) => summaryFromRow(row)),
      ),
    get: (id) =>
      read(() => {
        const row = sql(`SELECT ${RECONCILIATION_SUMMARY_COLUMNS}, items FROM reconciliations WHERE id = ?`).get(id) as ReconciliationRow | undefined;
        return row === undefined ? undefined : (reportFromRow(row) as ReconciliationReport);
      }),
    // Two halves, each on its index: runs not ended (runs_ordering covers only those), and the
    // flow's open exceptions (exceptions_open_by_flow) with their runs' keys.
    runsInFlight: async (flowId, orderingKeys) => {
      const found: RunInFlight[] = [];
      for (let start = 0; start < orderingKeys.length; start += XREF_FIND_MANY_CHUNK) {
        const keys = JSON.stringify(orderingKeys.slice(start, start + XREF_FIND_MANY_CHUNK));
        const rows = await read(
          () =>
            sql(`
              SELECT r.ordering_key, r.id, r.status, NULL AS exception_id, r.seq FROM runs r INDEXED BY runs_ordering
              WHERE r.flow_id = @flowId AND r.claimable_at IS NOT NULL AND r.ordering_key IN (SELECT value FROM json_each(@keys))
              UNION ALL
              SELECT r.ordering_key, r.id, r.status, e.id, r.seq FROM exceptions e JOIN runs r ON r.id = e.run_id
              WHERE e.flow_id = @flowId AND e.status = 'open' AND r.ordering_key IN (SELECT value FROM json_each(@keys))`).all({ flowId, keys }) as RunInFlightRow[],
        );
        found.push(...earliestInFlight(rows));
      }
      return found;
    },
  };
}
