import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { runWeft, seedStore, tempDir } from '../testing.ts';

describe('weft tokens', () => {
  it('creates a token shown once and stored as its hash, lists it without the value, and revokes it', async () => {
    const dir = tempDir();
    const { path } = await seedStore(dir);
    const created = await runWeft(['tokens', 'create', '--name', 'ci', '--role', 'operator', '--db', path, '--json'], { cwd: dir });
    assert.equal(created.code, 0, created.stderr);
    const { id, token, role } = JSON.parse(created.stdout) as { id: string; token: string; role: string };
    assert.equal(role, 'operator');
    assert.match(token, /^weft_/);

    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.prepare('SELECT hash FROM api_tokens WHERE id = ?').pluck().get(id), createHash('sha256').update(token).digest('hex'));
      assert.deepEqual(db.prepare('SELECT actor, action, target FROM admin_audit').all(), [{ actor: 'cli', action: 'token.create', target: id }]);
    } finally {
      db.close();
    }

    const listed = await runWeft(['tokens', 'list', '--db', path], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\s+ci\\s+operator`));
    assert.ok(!listed.stdout.includes(token));

    assert.equal((await runWeft(['tokens', 'revoke', id, '--db', path], { cwd: dir })).stdout, `revoked ${id}\n`);
    assert.deepEqual(JSON.parse((await runWeft(['tokens', 'list', '--db', path, '--json'], { cwd: dir })).stdout), []);
    const again = await runWeft(['tokens', 'revoke', id, '--db', path], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no live token/);
  });

  it('creates no token when its creation cannot be audited: the value was never shown, so nobody would hold it', async () => {
    const dir = tempDir();
    const { path } = await seedStore(dir);
    const db = new Database(path);
    try {
      db.exec("CREATE TRIGGER audit_refused BEFORE INSERT ON admin_audit BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    } finally {
      db.close();
    }
    const created = await runWeft(['tokens', 'create', '--name', 'ci', '--role', 'admin', '--db', path, '--json'], { cwd: dir });
    assert.equal(created.code, 1);
    assert.equal(created.stdout, '');
    assert.deepEqual(JSON.parse((await runWeft(['tokens', 'list', '--db', path, '--json'], { cwd: dir })).stdout), []);
  });

  it('refuses a role that does not exist', async () => {
    const dir = tempDir();
    const { path } = await seedStore(dir);
    const result = await runWeft(['tokens', 'create', '--name', 'x', '--role', 'root', '--db', path], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Allowed choices are viewer, operator, admin/);
  });
});
