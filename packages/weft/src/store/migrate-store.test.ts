import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseUrl, scratchDatabase, scratchSchema, skipWithoutPostgres } from '../../test/support/postgres.ts';
import { runWeft, SEED_TIME, seedStore, tempDir } from '../cli/testing.ts';
import { MigrateStoreError, migrateSqliteToPostgres } from './migrate-store.ts';
import { clientConfig } from './postgres/postgres-access.ts';
import { migrationFiles } from './postgres/postgres-migrations.ts';
import { createPostgresStore } from './postgres/postgres-store.ts';
import { createSqliteStore } from './sqlite/sqlite-store.ts';

const HOUR = 3_600_000;

/** The CLI's seed (a succeeded run, two exceptions, calls) plus a row in every other table. */
async function seedEverything(dir: string): Promise<string> {
  const { path } = await seedStore(dir);
  const store = createSqliteStore({ path });
  try {
    const at = SEED_TIME + 10_000;
    const event = { id: 'evt_queued', source: 'webhook' as const, receivedAt: new Date(at).toISOString(), headers: { 'x-a': '1' }, query: {}, body: { id: 2001 } };
    await store.ingest({ id: event.id, runId: 'run_queued', flowId: 'orders', dedupeKey: 'order-2001', orderingKey: 'customer-9', receivedAt: at, event });
    await store.ingestBatch([], { key: 'stripe/events', value: '1767350000', now: at });
    await store.beginEffect({ key: 'weft-pending', runId: 'run_queued', stepPath: 'post', now: at });
    await store.holdDestination('erp.example.com', at + HOUR);
    await store.connections.put({ id: 'erp', connectorId: 'acme-erp', config: { baseUrl: 'https://erp.example.com' }, now: at });
    await store.secrets.write({ connectionId: 'erp', name: 'apiKey', kid: 'k1', envelope: 'v1.sealed-bytes' });
    await store.rateLimits.take([{ key: 'erp', limit: { capacity: 10, refillPerSecond: 10 }, cost: 3 }], { now: () => at });
    await store.rateLimits.pauseUntil('erp', at + 5000, at);
    await store.rateLimits.acquireSlot('erp', { capacity: 2, holder: 'w1', now: at, leaseMs: 60_000 });
    await store.tokens.create({ id: 'tok_1', name: 'ci', role: 'operator', kind: 'api', hash: 'sha256-of-token', now: at });
    await store.tokens.setAdminPasswordHash('scrypt$hash', at);
    await store.adminAudit.record({ at, actor: 'admin', role: 'admin', action: 'token.create', target: 'tok_1', detail: { name: 'ci' } });
    await store.flowStates.setEnabled('orders', false, at);
    await store.alertIncidents!.open('orders-failing', { summary: '2 exceptions', now: at });
  } finally {
    await store.close();
  }
  return path;
}

/** Every row of every table, as comparable text, keyed by table. */
function sqliteRows(path: string): Record<string, string[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`).pluck().all() as string[];
    return Object.fromEntries(tables.map((table) => [table, (db.prepare(`SELECT * FROM "${table}"`).all() as object[]).map((row) => JSON.stringify(row)).sort()]));
  } finally {
    db.close();
  }
}

async function postgresRows(url: string, schema: string, tables: string[]): Promise<Record<string, string[]>> {
  const client = new pg.Client(clientConfig({ url, schema }));
  await client.connect();
  try {
    const result: Record<string, string[]> = {};
    for (const table of tables) result[table] = (await client.query(`SELECT * FROM ${pg.escapeIdentifier(table)}`)).rows.map((row) => JSON.stringify(row)).sort();
    return result;
  } finally {
    await client.end();
  }
}

describe('migrate-store: SQLite to PostgreSQL', { skip: skipWithoutPostgres }, () => {
  const schema = scratchSchema('weft_move');
  let path: string;
  before(async () => {
    path = await seedEverything(tempDir());
  });
  after(async () => {
    await schema.drop();
  });

  it('copies every row of every table in one transaction, then the store carries on from there', async () => {
    const report = await migrateSqliteToPostgres({ from: path, to: databaseUrl!, schema: schema.name });
    const source = sqliteRows(path);
    const tables = Object.keys(source).sort();
    assert.deepEqual(report.tables.map((entry) => entry.table).sort(), tables);
    for (const table of ['events', 'runs', 'checkpoints', 'effects', 'exceptions', 'calls', 'connections', 'vault_secrets', 'rate_buckets', 'rate_slots', 'poll_cursors', 'destination_holds', 'api_tokens', 'admin_audit']) {
      assert.ok((source[table]?.length ?? 0) > 0, `the seed has rows in ${table}`);
    }
    assert.deepEqual(await postgresRows(databaseUrl!, schema.name, tables), source, 'row for row, value for value');

    const store = await createPostgresStore({ url: databaseUrl!, schema: schema.name, poolSize: 2 });
    try {
      assert.equal((await store.secrets.read('erp', 'apiKey'))?.envelope, 'v1.sealed-bytes', 'sealed secrets move as they are');
      assert.equal(await store.pollCursor('stripe/events'), '1767350000');
      const [queued] = await store.claimRuns({ workerId: 'pg', now: SEED_TIME + HOUR, leaseMs: HOUR, limit: 5, flowConcurrency: {}, flowIds: ['orders'] });
      assert.equal(queued?.id, 'run_queued');
      assert.equal(queued.fence, 1);
      // The identity sequences continue after the copied ids.
      const before = (await store.listCalls({ now: SEED_TIME + HOUR })).map((call) => call.id);
      await store.recordCall({ ...(await store.listCalls({ limit: 1, now: SEED_TIME + HOUR }))[0]!, at: SEED_TIME + HOUR });
      const after = (await store.listCalls({ now: SEED_TIME + HOUR })).map((call) => call.id);
      assert.equal(after.length, before.length + 1);
      assert.ok(after.at(-1)! > Math.max(...before));
    } finally {
      await store.close();
    }
  });

  it('refuses a target that is not empty and changes nothing there', async () => {
    const before = await postgresRows(databaseUrl!, schema.name, ['runs', 'calls']);
    await assert.rejects(migrateSqliteToPostgres({ from: path, to: databaseUrl!, schema: schema.name }), (error: unknown) => {
      assert.ok(error instanceof MigrateStoreError);
      assert.match(error.message, /not empty/);
      return true;
    });
    assert.deepEqual(await postgresRows(databaseUrl!, schema.name, ['runs', 'calls']), before);
  });

  it('leaves the source file as it was when the target cannot be reached or is not empty', async () => {
    const source = await seedEverything(tempDir());
    // As if written by an older Weft: its newest migration not applied yet.
    const older = new Database(source);
    older.prepare('DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)').run();
    const versionsOf = () => {
      const db = new Database(source, { readonly: true });
      try {
        return db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      } finally {
        db.close();
      }
    };
    older.close();
    const before = versionsOf();
    await assert.rejects(migrateSqliteToPostgres({ from: source, to: 'postgres://weft@127.0.0.1:1/none', schema: schema.name }), /ECONNREFUSED|connect/);
    await assert.rejects(migrateSqliteToPostgres({ from: source, to: databaseUrl!, schema: schema.name }), /not empty/);
    assert.deepEqual(versionsOf(), before, 'not migrated: an older Weft can still open it');
  });

  it('refuses a source that does not exist', async () => {
    await assert.rejects(migrateSqliteToPostgres({ from: join(tempDir(), 'none.db'), to: databaseUrl!, schema: schema.name }), MigrateStoreError);
  });
});

describe('weft migrate and weft migrate-store', { skip: skipWithoutPostgres }, () => {
  let database: { url: string; drop(): Promise<void> };
  before(async () => {
    database = await scratchDatabase('weft_cli');
  });
  after(async () => {
    await database?.drop();
  });

  it('migrate applies the migrations once and says so; migrate-store moves a store the listings then read', async () => {
    const dir = tempDir();
    const first = await runWeft(['migrate', '--database', database.url], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.stdout.trim().split('\n'), migrationFiles().map((name) => `applied ${name}`));
    const again = await runWeft(['migrate'], { cwd: dir, env: { WEFT_DATABASE_URL: database.url } });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /up to date; nothing applied/);

    const seeded = await seedStore(dir);
    const moved = await runWeft(['migrate-store', '--from', `sqlite://${seeded.path}`, '--to', database.url, '--json'], { cwd: dir });
    assert.equal(moved.code, 0, moved.stderr);
    const report = JSON.parse(moved.stdout) as { tables: Array<{ table: string; rows: number }> };
    assert.equal(report.tables.find((entry) => entry.table === 'runs')?.rows, 3);

    const runs = await runWeft(['runs', '--database', database.url, '--json'], { cwd: dir });
    assert.equal(runs.code, 0, runs.stderr);
    assert.deepEqual((JSON.parse(runs.stdout) as Array<{ id: string }>).map((run) => run.id).sort(), [seeded.succeededRunId, ...seeded.exceptions.map((e) => e.runId)].sort());

    const twice = await runWeft(['migrate-store', '--from', `sqlite://${seeded.path}`, '--to', database.url], { cwd: dir });
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /not empty/);
    assert.doesNotMatch(twice.stderr + moved.stdout, /weft:weft@/, 'the password in the URL is never printed');
  });
});

if (skipWithoutPostgres) describe('migrate-store', () => it('moves SQLite to PostgreSQL', { skip: skipWithoutPostgres }, () => {}));
