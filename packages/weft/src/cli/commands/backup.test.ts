import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { NewEvent } from '../../store/store.ts';
import { runWeft, seedStore, startWeftServer, tempDir } from '../testing.ts';

const NEWEST_MIGRATION = Math.max(
  ...readdirSync(new URL('../../store/sqlite/migrations/', import.meta.url))
    .filter((name) => name.endsWith('.sql'))
    .map((name) => Number(name.slice(0, 4))),
);
/** Each event's body, so the store is big enough (tens of MB) that the copy takes a while. */
const PADDING = 'x'.repeat(4000);

function newEvent(n: number): NewEvent {
  const receivedAt = Date.UTC(2026, 0, 2) + n;
  const id = `evt_${n}`;
  return {
    id,
    runId: `run_${n}`,
    flowId: 'orders',
    dedupeKey: `order-${n}`,
    orderingKey: null,
    receivedAt,
    event: { id, source: 'webhook', receivedAt: new Date(receivedAt).toISOString(), headers: {}, query: {}, body: { n, padding: PADDING } },
  };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.partial'));

describe('weft backup', () => {
  it('copies a store while it is written to: the copy passes integrity_check and holds every write committed before the backup began, and no write stalled', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const path = join(dir, 'weft.db');
    const store = createSqliteStore({ path });
    const seeded = 10_000;
    for (let start = 0; start < seeded; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.ingest(newEvent(start + i))));
    }

    // One write at a time, as an engine's ingest: each awaited until committed.
    const committed: string[] = [];
    let slowestMs = 0;
    let isWriting = true;
    const writer = (async () => {
      for (let n = seeded; isWriting; n += 1) {
        const began = performance.now();
        await store.ingest(newEvent(n));
        slowestMs = Math.max(slowestMs, performance.now() - began);
        committed.push(`evt_${n}`);
      }
    })();
    while (committed.length < 20) await new Promise((resolve) => setTimeout(resolve, 5));
    const committedBefore = [...committed];
    const result = await runWeft(['backup', 'copy.db', '--db', path, '--json'], { cwd: dir });
    const committedDuring = committed.length - committedBefore.length;
    isWriting = false;
    await writer;
    await store.close();

    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { source: string; file: string; bytes: number; durationMs: number; migration: number };
    assert.equal(report.file, join(dir, 'copy.db'));
    assert.equal(report.bytes, statSync(join(dir, 'copy.db')).size);
    assert.ok(report.bytes > 40 * 1024 * 1024, `a store of ${report.bytes} bytes is too small to show anything`);
    assert.equal(report.migration, NEWEST_MIGRATION);
    assert.ok(report.durationMs >= 0);
    assert.ok(committedDuring > 0, 'the writer kept committing while the backup ran');
    assert.ok(slowestMs < 1000, `a write waited ${Math.round(slowestMs)} ms during the backup`);

    const copy = new Database(join(dir, 'copy.db'), { readonly: true });
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
      const ids = new Set(copy.prepare('SELECT id FROM events').pluck().all() as string[]);
      for (let n = 0; n < seeded; n += 1) assert.ok(ids.has(`evt_${n}`), `seeded evt_${n} is in the copy`);
      for (const id of committedBefore) assert.ok(ids.has(id), `${id}, committed before the backup began, is in the copy`);
    } finally {
      copy.close();
    }
    assert.deepEqual(leftovers(dir), []);
  });

  it('restores: the copy opens as a Weft store with the same runs and exceptions, and Weft starts on it', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const seeded = await seedStore(dir);
    const before = sha256(seeded.path);
    const backedUp = await runWeft(['backup', join(dir, 'weft-backup.db'), '--db', seeded.path], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(backedUp.code, 0, backedUp.stderr);
    assert.match(backedUp.stdout, new RegExp(`^backed up .*weft\\.db to .*weft-backup\\.db: [0-9.]+ KiB in \\d+ms, schema at migration ${NEWEST_MIGRATION}, integrity_check ok\\n$`));
    assert.equal(sha256(seeded.path), before, 'the source is left as it was');

    // The runbook's restore, into a fresh install folder: the engine is stopped, the copy put in place.
    const install = join(dir, 'restored');
    mkdirSync(join(install, 'flows'), { recursive: true });
    writeFileSync(join(install, 'flows', 'echo.flow.yaml'), 'id: echo\ntrigger:\n  webhook:\n    path: echo\nsteps:\n  - id: copy\n    map: trigger.body\n');
    const restored = join(install, 'weft.db');
    copyFileSync(join(dir, 'weft-backup.db'), restored);

    const [original, copy] = [createSqliteStore({ path: seeded.path }), createSqliteStore({ path: restored })];
    try {
      assert.deepEqual(await copy.listRuns({ limit: 100 }), await original.listRuns({ limit: 100 }));
      assert.deepEqual(await copy.listExceptions({ limit: 100 }), await original.listExceptions({ limit: 100 }));
      assert.deepEqual(await copy.getRun(seeded.succeededRunId), await original.getRun(seeded.succeededRunId));
    } finally {
      await Promise.all([original.close(), copy.close()]);
    }

    const token = await runWeft(['tokens', 'create', '--name', 'prometheus', '--role', 'viewer', '--db', restored, '--json'], { cwd: install });
    assert.equal(token.code, 0, token.stderr);
    const { url, child, exited } = await startWeftServer(['start', '--port', '0', '--db', restored], { cwd: install });
    try {
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${(JSON.parse(token.stdout) as { token: string }).token}` } })).text();
      // The engine on a SQLite file reports its WAL (the runbook's gauge).
      assert.match(metrics, /^weft_sqlite_wal_bytes \d+$/m);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal((await exited).code, 0);
  });

  it('never overwrites a file: a clear error, exit 1, the file as it was and nothing else written', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const { path } = await seedStore(dir);
    writeFileSync(join(dir, 'precious.db'), 'last week');
    const result = await runWeft(['backup', 'precious.db', '--db', path], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^weft: .*precious\.db already exists; weft backup never overwrites a file/);
    assert.equal(readFileSync(join(dir, 'precious.db'), 'utf8'), 'last week');
    assert.deepEqual(leftovers(dir), []);
  });

  it('refuses a database that is not Weft\'s and a folder that does not exist, writing nothing', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const other = new Database(join(dir, 'other.db'));
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    const notWeft = await runWeft(['backup', 'copy.db', '--db', join(dir, 'other.db')], { cwd: dir });
    assert.equal(notWeft.code, 1);
    assert.match(notWeft.stderr, /other\.db is not a Weft database/);

    const { path } = await seedStore(dir);
    const noFolder = await runWeft(['backup', join(dir, 'missing', 'copy.db'), '--db', path], { cwd: dir });
    assert.equal(noFolder.code, 1);
    assert.match(noFolder.stderr, /the folder .*missing does not exist/);
    assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('copy') || name.endsWith('.partial')), []);
  });

  it('on PostgreSQL, names the pg_dump command instead, without the password, and writes nothing', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const result = await runWeft(['backup', 'weft.dump', '--database', 'postgres://weft:s3cret-pw@db.internal:5432/weft?sslmode=require'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `weft: the store is PostgreSQL; weft backup copies SQLite only. Back PostgreSQL up with pg_dump, which takes a consistent snapshot while Weft runs: pg_dump --format=custom --file='${join(dir, 'weft.dump')}' --dbname='postgres://weft@db.internal:5432/weft?sslmode=require' (the password from PGPASSWORD or ~/.pgpass)\n`,
    );
    assert.doesNotMatch(result.stderr, /s3cret/);
    assert.deepEqual(readdirSync(dir), []);
  });
});
