import type { AlertIncident, AlertIncidentStore } from '../store.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

/** Each transition is one write whose row count says whether this caller made it. */
export function createSqliteAlertIncidents({ sql, write, read }: SqliteAccess): AlertIncidentStore {
  return {
    open: (ruleId, { summary, now }) =>
      write(() => sql('INSERT INTO alert_incidents (rule_id, summary, opened_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(ruleId, summary, now).changes > 0),
    resolve: (ruleId, now) =>
      write(() => sql('UPDATE alert_incidents SET resolved_at = ? WHERE rule_id = ? AND resolved_at IS NULL').run(now, ruleId).changes > 0),
    listOpen: () =>
      read(
        () =>
          sql('SELECT rule_id AS ruleId, summary, opened_at AS openedAt FROM alert_incidents WHERE resolved_at IS NULL ORDER BY opened_at, id').all() as AlertIncident[],
      ),
  };
}
