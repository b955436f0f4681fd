import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { clientConfig } from './postgres/postgres-access.ts';
import { migratePostgres } from './postgres/postgres-migrations.ts';
import { createSqliteStore } from './sqlite/sqlite-store.ts';

/** The copy cannot be done as asked (no source, a target with rows); `weft migrate-store` prints it as a CLI error. */
export class MigrateStoreError extends Error {
  override readonly name = 'MigrateStoreError';
}

export interface MigrateStoreReport {
  /** Rows copied per table, in copy order; each equals the source's count (verified before COMMIT). */
  tables: Array<{ table: string; rows: number }>;
}

/** Tables referenced by others come first; the rest follow in name order. */
const COPY_FIRST = ['events', 'runs', 'checkpoints', 'effects', 'exceptions'];
/** Rows per INSERT: far below PostgreSQL's 65,535 parameters for any of our tables. */
const BATCH_ROWS = 500;

/**
 * Moves a single-machine install to PostgreSQL: every table of the SQLite schema (events, runs,
 * checkpoints, the effect ledger, exceptions, the call audit, connections, sealed vault secrets
 * as they are, rate-limit state, poll cursors, destination holds, and whatever later migrations
 * add) is copied in ONE PostgreSQL transaction, read from one SQLite read transaction. The target
 * must be empty; row counts are compared before COMMIT, so a copy is complete or absent.
 */
export async function migrateSqliteToPostgres(options: { from: string; to: string; schema?: string }): Promise<MigrateStoreReport> {
  if (!existsSync(options.from)) throw new MigrateStoreError(`no SQLite database at ${options.from}`);
  const target = new pg.Client(clientConfig({ url: options.to, ...(options.schema === undefined ? {} : { schema: options.schema }) }));
  let source: Database.Database | undefined;
  try {
    // The target first: a mistyped, unreachable or used one must leave the source file as it was,
    // the copy an operator falls back on (an older Weft may have to open it again).
    await target.connect();
    await migratePostgres(target, options.schema);
    await refuseUsedTarget(target);
    // Opening it applies any SQLite migration it lacks, so both schemas are at this version.
    await createSqliteStore({ path: options.from }).close();
    source = new Database(options.from, { readonly: true, fileMustExist: true });
    source.exec('BEGIN');
    await target.query('BEGIN');
    try {
      const report = await copyTables(source, target);
      await target.query('COMMIT');
      return report;
    } catch (error) {
      await target.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      source.exec('COMMIT');
    }
  } finally {
    source?.close();
    await target.end().catch(() => {});
  }
}

/** Any row in a table of the target's schema (migrations aside): it is someone's data, not a copy target. */
async function refuseUsedTarget(target: pg.Client): Promise<void> {
  const tables = (
    await target.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`)
  ).rows.map((row) => row.name);
  for (const table of tables) {
    const { rows } = await target.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${pg.escapeIdentifier(table)}) AS found`);
    if (rows[0]?.found) throw new MigrateStoreError(`the target is not empty (table ${table} has rows); migrate-store copies into an empty database only`);
  }
}

async function copyTables(source: Database.Database, target: pg.Client): Promise<MigrateStoreReport> {
  const tables = (
    source.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`).pluck().all() as string[]
  ).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

  for (const table of tables) {
    const { rows } = await target.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${pg.escapeIdentifier(table)}) AS found`).catch((error: unknown) => {
      throw new MigrateStoreError(`the PostgreSQL schema has no table ${table}: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (rows[0]?.found) throw new MigrateStoreError(`the target is not empty (table ${table} has rows); migrate-store copies into an empty database only`);
  }

  const report: MigrateStoreReport = { tables: [] };
  for (const table of tables) {
    const columns = (source.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[]);
    const columnList = columns.map((column) => pg.escapeIdentifier(column)).join(', ');
    const read = source.prepare(`SELECT ${columns.map((column) => `"${column}"`).join(', ')} FROM "${table}"`).raw();
    let batch: unknown[][] = [];
    let copied = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const values = batch.flat();
      const tuples = batch.map((_, row) => `(${columns.map((__, column) => `$${row * columns.length + column + 1}`).join(', ')})`);
      await target.query(`INSERT INTO ${pg.escapeIdentifier(table)} (${columnList}) VALUES ${tuples.join(', ')}`, values);
      copied += batch.length;
      batch = [];
    };
    for (const row of read.iterate() as Iterable<unknown[]>) {
      batch.push(row.map((value) => (typeof value === 'bigint' ? value.toString() : value)));
      if (batch.length === BATCH_ROWS) await flush();
    }
    await flush();
    report.tables.push({ table, rows: copied });
  }

  await advanceIdentities(target);
  for (const { table, rows } of report.tables) {
    const expected = source.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number;
    const { rows: counted } = await target.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(table)}`);
    if (rows !== expected || counted[0]?.n !== expected) {
      throw new MigrateStoreError(`table ${table}: ${expected} rows in SQLite, ${counted[0]?.n ?? 0} in PostgreSQL; nothing was committed`);
    }
  }
  return report;
}

function rank(table: string): number {
  const index = COPY_FIRST.indexOf(table);
  return index === -1 ? COPY_FIRST.length : index;
}

/** Copied rows brought their ids; the identity sequences must continue after them, not collide. */
async function advanceIdentities(target: pg.Client): Promise<void> {
  const { rows } = await target.query<{ table_name: string; column_name: string }>(`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND is_identity = 'YES'`);
  for (const { table_name: table, column_name: column } of rows) {
    const name = pg.escapeIdentifier(table);
    const id = pg.escapeIdentifier(column);
    await target.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${id}) FROM ${name}), 1), (SELECT max(${id}) FROM ${name}) IS NOT NULL)`,
      [name, column],
    );
  }
}
