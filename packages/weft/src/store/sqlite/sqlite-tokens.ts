import type { ApiRole, ApiToken, TokenStore } from '../store.ts';
import { insertAdminAuditEntry } from './sqlite-admin.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

interface TokenRow {
  id: string;
  name: string;
  role: ApiRole;
  kind: ApiToken['kind'];
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    kind: row.kind,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
  };
}

const TOKEN_COLUMNS = 'id, name, role, kind, created_at, last_used_at, expires_at';

export function createSqliteTokenStore({ sql, write, read }: SqliteAccess): TokenStore {
  return {
    create: (token, audit) =>
      // One write, one transaction: a token whose audit entry cannot be written is not kept.
      write(() => {
        sql(`INSERT INTO api_tokens (id, name, role, kind, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
          token.id,
          token.name,
          token.role,
          token.kind,
          token.hash,
          token.now,
          token.expiresAt ?? null,
        );
        if (audit !== undefined) insertAdminAuditEntry(sql, audit);
      }),
    findByHash: (hash, now) =>
      read(() => {
        const row = sql(`
          SELECT ${TOKEN_COLUMNS} FROM api_tokens
          WHERE hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`).get(hash, now) as TokenRow | undefined;
        return row === undefined ? undefined : toToken(row);
      }),
    touch: (id, now) =>
      write(() => {
        sql('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, id);
      }),
    list: () =>
      read(() => {
        const rows = sql(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE kind = 'api' AND revoked_at IS NULL ORDER BY created_at, id`).all() as TokenRow[];
        return rows.map(toToken);
      }),
    revoke: (id, now) =>
      write(() => sql('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0),
    adminPasswordHash: () =>
      read(() => (sql(`SELECT password_hash FROM admin_credentials WHERE id = 'admin'`).pluck().get() as string | undefined) ?? undefined),
    setAdminPasswordHash: (hash, now, options = {}) =>
      write(() => {
        const onConflict = options.replace ? 'DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at' : 'DO NOTHING';
        return sql(`INSERT INTO admin_credentials (id, password_hash, updated_at) VALUES ('admin', ?, ?) ON CONFLICT (id) ${onConflict}`).run(hash, now).changes > 0;
      }),
  };
}
