import type { SecretRowKey, StoredSecret, VaultStorage } from '../../connectors/vault/vault.ts';
import type { Connection, ConnectionStore } from '../store.ts';
import type { PostgresAccess } from './postgres-access.ts';

interface ConnectionRow {
  id: string;
  connector_id: string;
  config: string;
  created_at: number;
  updated_at: number;
}

function toConnection(row: ConnectionRow): Connection {
  return { id: row.id, connectorId: row.connector_id, config: JSON.parse(row.config) as Record<string, unknown>, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function createPostgresConnectionStore({ query }: PostgresAccess): ConnectionStore {
  return {
    put: async ({ id, connectorId, config, now }) => {
      await query(
        `INSERT INTO connections (id, connector_id, config, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id, config = excluded.config, updated_at = excluded.updated_at`,
        [id, connectorId, JSON.stringify(config), now],
      );
    },
    get: async (id) => {
      const [row] = await query<ConnectionRow>('SELECT * FROM connections WHERE id = $1', [id]);
      return row === undefined ? undefined : toConnection(row);
    },
    list: async () => (await query<ConnectionRow>('SELECT * FROM connections ORDER BY id COLLATE "C"')).map(toConnection),
    remove: async (id) => {
      // One statement, so one transaction: the secrets go with the connection.
      const rows = await query<{ id: string }>(
        `WITH secrets AS (DELETE FROM vault_secrets WHERE connection_id = $1)
         DELETE FROM connections WHERE id = $1 RETURNING id`,
        [id],
      );
      return rows.length > 0;
    },
  };
}

interface SecretRow {
  connection_id: string;
  name: string;
  kid: string;
  envelope: string;
}

function toStoredSecret(row: SecretRow): StoredSecret {
  return { connectionId: row.connection_id, name: row.name, kid: row.kid, envelope: row.envelope };
}

/** The vault's storage: one row per sealed secret; rotation re-wraps rows with a compare-and-swap. */
export function createPostgresSecretStorage({ query }: PostgresAccess): VaultStorage {
  return {
    read: async (connectionId, name) => {
      const [row] = await query<SecretRow>('SELECT * FROM vault_secrets WHERE connection_id = $1 AND name = $2', [connectionId, name]);
      return row === undefined ? undefined : toStoredSecret(row);
    },
    write: async (secret) => {
      if (secret.expectedEnvelope === undefined) {
        await query(
          `INSERT INTO vault_secrets (connection_id, name, kid, envelope) VALUES ($1, $2, $3, $4)
           ON CONFLICT (connection_id, name) DO UPDATE SET kid = excluded.kid, envelope = excluded.envelope`,
          [secret.connectionId, secret.name, secret.kid, secret.envelope],
        );
        return true;
      }
      // Never an insert on this path: a secret deleted during rotation must stay deleted.
      const rows = await query(
        'UPDATE vault_secrets SET kid = $1, envelope = $2 WHERE connection_id = $3 AND name = $4 AND envelope = $5 RETURNING name',
        [secret.kid, secret.envelope, secret.connectionId, secret.name, secret.expectedEnvelope],
      );
      return rows.length === 1;
    },
    delete: async (connectionId, name) =>
      (await query('DELETE FROM vault_secrets WHERE connection_id = $1 AND name = $2 RETURNING name', [connectionId, name])).length > 0,
    listNames: async (connectionId) =>
      (await query<{ name: string }>('SELECT name FROM vault_secrets WHERE connection_id = $1 ORDER BY name COLLATE "C"', [connectionId])).map((row) => row.name),
    listByKid: async (kidNot: string, limit: number, after?: SecretRowKey) => {
      const rows = await query<SecretRow>(
        `SELECT * FROM vault_secrets
         WHERE kid <> $1 AND (connection_id COLLATE "C", name COLLATE "C") > ($2 COLLATE "C", $3 COLLATE "C")
         ORDER BY connection_id COLLATE "C", name COLLATE "C" LIMIT $4`,
        [kidNot, after?.connectionId ?? '', after?.name ?? '', limit],
      );
      return rows.map(toStoredSecret);
    },
  };
}
