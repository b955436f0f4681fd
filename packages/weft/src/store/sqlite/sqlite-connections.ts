import type Database from 'better-sqlite3';
import type { SecretRowKey, StoredSecret, VaultStorage } from '../../connectors/vault/vault.ts';
import type { Connection, ConnectionStore } from '../store.ts';

/** What the connection and secret tables need from the store: its statements, writes and reads. */
export interface SqliteAccess {
  sql(text: string): Database.Statement;
  /** Queued on the group-commit write queue; resolves after COMMIT. */
  write<T>(work: () => T): Promise<T>;
  read<T>(work: () => T): Promise<T>;
  /** Why the last write batch could not commit, until one that changed a row commits. */
  writeFailure(): string | undefined;
  /** Free bytes on the database file's disk for this user; undefined for a database in memory. */
  freeDiskBytes(): number | undefined;
}

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

export function createSqliteConnectionStore({ sql, write, read }: SqliteAccess): ConnectionStore {
  return {
    put: ({ id, connectorId, config, now }) =>
      write(() => {
        sql(`
          INSERT INTO connections (id, connector_id, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id, config = excluded.config, updated_at = excluded.updated_at`).run(
          id,
          connectorId,
          JSON.stringify(config),
          now,
          now,
        );
      }),
    get: (id) =>
      read(() => {
        const row = sql('SELECT * FROM connections WHERE id = ?').get(id) as ConnectionRow | undefined;
        return row === undefined ? undefined : toConnection(row);
      }),
    list: () => read(() => (sql('SELECT * FROM connections ORDER BY id').all() as ConnectionRow[]).map(toConnection)),
    remove: (id) =>
      write(() => {
        sql('DELETE FROM vault_secrets WHERE connection_id = ?').run(id);
        return sql('DELETE FROM connections WHERE id = ?').run(id).changes > 0;
      }),
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
export function createSqliteSecretStorage({ sql, write, read }: SqliteAccess): VaultStorage {
  return {
    read: (connectionId, name) =>
      read(() => {
        const row = sql('SELECT * FROM vault_secrets WHERE connection_id = ? AND name = ?').get(connectionId, name) as SecretRow | undefined;
        return row === undefined ? undefined : toStoredSecret(row);
      }),
    write: (secret) =>
      write(() => {
        if (secret.expectedEnvelope === undefined) {
          sql(`
            INSERT INTO vault_secrets (connection_id, name, kid, envelope) VALUES (?, ?, ?, ?)
            ON CONFLICT (connection_id, name) DO UPDATE SET kid = excluded.kid, envelope = excluded.envelope`).run(
            secret.connectionId,
            secret.name,
            secret.kid,
            secret.envelope,
          );
          return true;
        }
        // Never an insert on this path: a secret deleted during rotation must stay deleted.
        const result = sql('UPDATE vault_secrets SET kid = ?, envelope = ? WHERE connection_id = ? AND name = ? AND envelope = ?').run(
          secret.kid,
          secret.envelope,
          secret.connectionId,
          secret.name,
          secret.expectedEnvelope,
        );
        return result.changes === 1;
      }),
    delete: (connectionId, name) => write(() => sql('DELETE FROM vault_secrets WHERE connection_id = ? AND name = ?').run(connectionId, name).changes > 0),
    listNames: (connectionId) =>
      read(() => sql('SELECT name FROM vault_secrets WHERE connection_id = ? ORDER BY name').pluck().all(connectionId) as string[]),
    listByKid: (kidNot: string, limit: number, after?: SecretRowKey) =>
      read(() => {
        const rows = sql(`
          SELECT * FROM vault_secrets WHERE kid <> @kidNot AND (connection_id, name) > (@afterConnection, @afterName)
          ORDER BY connection_id, name LIMIT @limit`).all({
          kidNot,
          limit,
          afterConnection: after?.connectionId ?? '',
          afterName: after?.name ?? '',
        }) as SecretRow[];
        return rows.map(toStoredSecret);
      }),
  };
}
