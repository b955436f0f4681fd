import type { AlertIncident, AlertIncidentStore } from '../store.ts';
import type { PostgresAccess } from './postgres-access.ts';

/** Each transition is one statement whose returned rows say whether this caller made it. */
export function createPostgresAlertIncidents({ query }: PostgresAccess): AlertIncidentStore {
  return {
    open: async (ruleId, { summary, now }) =>
      // The partial unique index is the arbiter: of concurrent openers across processes, one row wins.
      (await query('INSERT INTO alert_incidents (rule_id, summary, opened_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id', [ruleId, summary, now])).length > 0,
    resolve: async (ruleId, now) =>
      (await query('UPDATE alert_incidents SET resolved_at = $2 WHERE rule_id = $1 AND resolved_at IS NULL RETURNING id', [ruleId, now])).length > 0,
    listOpen: async () =>
      query<AlertIncident>(`SELECT rule_id AS "ruleId", summary, opened_at AS "openedAt" FROM alert_incidents WHERE resolved_at IS NULL ORDER BY opened_at, id`),
  };
}
