import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { refuseNewerSchema } from '../schema-version.ts';
import { clientConfig, lockKey } from './postgres-access.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** The numbered migration files, in order. */
export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name))
    .sort();
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction,
 * under a session advisory lock: two processes starting at once apply each migration once (the
 * second waits, then finds them recorded). Returns the names it applied.
 */
export async function migratePostgres(client: pg.ClientBase, schema?: string): Promise<string[]> {
  const lock = lockKey(`weft:migrate:${schema ?? ''}`).toString();
  await client.query('SELECT pg_advisory_lock($1)', [lock]);
  try {
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
    const files = migrationFiles();
    refuseNewerSchema(applied, files);
    const done: string[] = [];
    for (const name of files) {
      const version = Number(name.slice(0, 4));
      if (applied.has(version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(new URL(name, MIGRATIONS_DIR), 'utf8'));
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      done.push(name);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lock]);
  }
}

/** `weft migrate`: one connection to `url`, the pending migrations applied, their names returned. */
export async function migratePostgresUrl(options: { url: string; schema?: string }): Promise<string[]> {
  const client = new pg.Client(clientConfig(options));
  await client.connect();
  try {
    return await migratePostgres(client, options.schema);
  } finally {
    await client.end();
  }
}
