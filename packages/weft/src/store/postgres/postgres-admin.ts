import { decodeCursor, encodeCursor } from '../page-cursor.ts';
import type { AdminAuditEntry, AdminAuditStore, ApiRole, FlowStateStore } from '../store.ts';
import type { PostgresAccess, PostgresTx } from './postgres-access.ts';

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  role: ApiRole;
  action: string;
  target: string;
  detail: string | null;
}

/** Writes one admin-audit entry, alone or inside the caller's transaction (a token's creation writes its entry in its own). */
export async function insertAdminAuditEntry(db: PostgresTx, entry: AdminAuditEntry): Promise<void> {
  await db.query('INSERT INTO admin_audit (at, actor, role, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
    entry.at,
    entry.actor,
    entry.role,
    entry.action,
    entry.target,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
  ]);
}

export function createPostgresAdminAudit({ query }: PostgresAccess): AdminAuditStore {
  return {
    record: (entry) => insertAdminAuditEntry({ query }, entry),
    list: async (filter) => {
      const before = filter.cursor === undefined ? null : (decodeCursor('audit', filter.cursor, ['number'])[0] as number);
      const rows = await query<AuditRow>(
        `SELECT * FROM admin_audit
         WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) AND ($3::bigint IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4`,
        [filter.actor ?? null, filter.action ?? null, before, filter.limit + 1],
      );
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
    },
  };
}

export function createPostgresFlowStates({ query }: PostgresAccess): FlowStateStore {
  return {
    setEnabled: async (flowId, enabled, now) => {
      await query(
        `INSERT INTO flow_states (flow_id, enabled, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (flow_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
        [flowId, enabled ? 1 : 0, now],
      );
    },
    disabled: async () => (await query<{ flow_id: string }>('SELECT flow_id FROM flow_states WHERE enabled = 0 ORDER BY flow_id COLLATE "C"')).map((row) => row.flow_id),
  };
}
