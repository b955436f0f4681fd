import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests use: `DATABASE_URL` (set by .ci/run through
 * scripts/ensure-postgres.sh, and by scripts/test.js when a server answers at the default).
 */
export const databaseUrl: string | undefined = process.env['DATABASE_URL'] || undefined;

/** `it(..., { skip })` for PostgreSQL tests: false when a server is configured, else the reason. */
export const skipWithoutPostgres: string | false =
  databaseUrl === undefined ? 'DATABASE_URL is not set (run `eval "$(scripts/ensure-postgres.sh)"` to start a local server)' : false;

export function requireDatabaseUrl(): string {
  if (databaseUrl === undefined) throw new Error('DATABASE_URL is not set');
  return databaseUrl;
}

/**
 * A fresh, uniquely named schema in the test database: as isolated as a database for tables,
 * much cheaper to make per test. `drop()` removes it with everything in it.
 */
export function scratchSchema(prefix = 'weft_test'): { name: string; drop(): Promise<void> } {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    name,
    drop: () => withDatabase(requireDatabaseUrl(), (client) => client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`)).then(() => undefined),
  };
}

/** A fresh database on the test server (for separate processes, LISTEN and advisory locks of their own). */
export async function scratchDatabase(prefix = 'weft_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = requireDatabaseUrl();
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withDatabase(serverUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropDatabase(serverUrl, name),
  };
}

/**
 * FORCE ends the test's own leftover sessions, but refuses (42501) when an autovacuum worker,
 * owned by the server's superuser, is at work on the database, as after a test's 10,000 events.
 * A plain DROP stops autovacuum by itself; it only waits for other sessions to go (55006).
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const drop = (force: boolean) => withDatabase(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}${force ? ' WITH (FORCE)' : ''}`));
  try {
    await drop(true);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    for (let attempt = 1; ; attempt++) {
      try {
        await drop(false);
        return;
      } catch (retryError) {
        if ((retryError as { code?: string }).code !== '55006' || attempt === 10) throw retryError;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}

export async function withDatabase<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
