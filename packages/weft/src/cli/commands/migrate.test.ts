import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runWeft, tempDir } from '../testing.ts';

describe('weft migrate on SQLite', () => {
  it('migrates the database named, and refuses a path where there is none instead of making an empty one', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    await createSqliteStore({ path: join(dir, 'weft.db') }).close();
    const migrated = await runWeft(['migrate', '--db', join(dir, 'weft.db')], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /is up to date/);

    const mistyped = await runWeft(['migrate', '--db', join(dir, 'wft.db')], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(mistyped.code, 1);
    assert.match(mistyped.stderr, /no database at .*wft\.db/);
    assert.equal(existsSync(join(dir, 'wft.db')), false, 'nothing was created');
  });
});
