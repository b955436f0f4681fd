import type { ApiRole, ApiToken, TokenStore } from '../store.ts';
import type { PostgresAccess, PostgresTx } from './postgres-access.ts';
import { insertAdminAuditEntry } from './postgres-admin.ts';

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

export function createPostgresTokenStore({ query, transaction }: PostgresAccess): TokenStore {
  return {
    create: async (token, audit) => {
      const insertToken = (tx: PostgresTx) =>
        tx.query('INSERT INTO api_tokens (id, name, role, kind, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          token.id,
          token.name,
          token.role,
          token.kind,
          token.hash,
          token.now,
          token.expiresAt ?? null,
        ]);
      if (audit === undefined) {
        await insertToken({ query });
        return;
      }
      // One transaction: a token whose audit entry cannot be written is not kept.
      await transaction(async (tx) => {
        await insertToken(tx);
        await insertAdminAuditEntry(tx, audit);
      });
    },
    findByHash: async (hash, now) => {
      const [row] = await query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
        [hash, now],
      );
      return row === undefined ? undefined : toToken(row);
    },
    touch: async (id, now) => {
      await query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, now]);
    },
    list: async () =>
      (await query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE kind = 'api' AND revoked_at IS NULL ORDER BY created_at, id COLLATE "C"`)).map(toToken),
    revoke: async (id, now) => (await query('UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id, now])).length > 0,
    adminPasswordHash: async () => (await query<{ password_hash: string }>(`SELECT password_hash FROM admin_credentials WHERE id = 'admin'`))[0]?.password_hash,
    setAdminPasswordHash: async (hash, now, options = {}) => {
      const onConflict = options.replace ? 'DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at' : 'DO NOTHING';
      return (await query(`INSERT INTO admin_credentials (id, password_hash, updated_at) VALUES ('admin', $1, $2) ON CONFLICT (id) ${onConflict} RETURNING id`, [hash, now])).length > 0;
    },
  };
}
