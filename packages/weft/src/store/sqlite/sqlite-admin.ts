import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { AdminAuditEntry, AdminAuditStore, ApiRole, FlowStateStore } from '../store.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  role: ApiRole;
  action: string;
  target: string;
  detail: string | null;
}

/** Writes one admin-audit entry; the transaction is the caller's (a token's creation writes its entry in its own). */
export function insertAdminAuditEntry(sql: SqliteAccess['sql'], entry: AdminAuditEntry): void {
  sql('INSERT INTO admin_audit (at, actor, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    entry.at,
    entry.actor,
    entry.role,
    entry.action,
    entry.target,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
  );
}

export function createSqliteAdminAudit({ sql, write, read }: SqliteAccess): AdminAuditStore {
  return {
    record: (entry) => write(() => insertAdminAuditEntry(sql, entry)),
    list: (filter) =>
      read(() => {
        const before = filter.cursor === undefined ? undefined : (decodeCursor('audit', filter.cursor, ['number'])[0] as number);
        const conditions = [
          ...(filter.actor === undefined ? [] : ['actor = @actor']),
          ...(filter.action === undefined ? [] : ['action = @action']),
          ...(before === undefined ? [] : ['id < @before']),
        ];
        const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
        const rows = sql(`SELECT * FROM admin_audit ${where} ORDER BY id DESC LIMIT @limit`).all({
          ...(filter.actor === undefined ? {} : { actor: filter.actor }),
          ...(filter.action === undefined ? {} : { action: filter.action }),
          ...(before === undefined ? {} : { before }),
          limit: filter.limit + 1,
        }) as AuditRow[];
        const page = rows.slice(0, filter.limit);
        const items = page.map((row): AdminAuditEntry & { id: number } => ({
          id: row.id,
          at: row.at,
          actor: row.actor,
          role: row.role,
          action: row.action,
          target: row.target,
          detail: row.detail === null ? null : JSON.parse(row.detail),
        }));
        const last = page.at(-1);
        return { items, nextCursor: rows.length > filter.limit && last ? encodeCursor('audit', [last.id]) : null };
      }),
  };
}

export function createSqliteFlowStates({ sql, write, read }: SqliteAccess): FlowStateStore {
  return {
    setEnabled: (flowId, enabled, now) =>
      write(() => {
        sql(`
          INSERT INTO flow_states (flow_id, enabled, updated_at) VALUES (?, ?, ?)
          ON CONFLICT (flow_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`).run(flowId, enabled ? 1 : 0, now);
      }),
    disabled: () => read(() => sql('SELECT flow_id FROM flow_states WHERE enabled = 0 ORDER BY flow_id').pluck().all() as string[]),
  };
}
