import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { ADMIN_PASSWORD, startApiWeft, type ApiWeft } from './testing.ts';

describe('API tokens', () => {
  let weft: ApiWeft;
  before(async () => {
    weft = await startApiWeft();
  });
  after(async () => weft.stop());

  /**
   * Makes the store refuse writes (as a full disk would) through triggers on the test's SQLite
   * file: inside the store's own transaction, where a failure must undo what it wrote before.
   * Returns what takes the triggers away again.
   */
  function refuseWrites(triggers: Record<string, string>): () => void {
    const db = new Database(weft.config.db);
    try {
      for (const [name, on] of Object.entries(triggers)) db.exec(`CREATE TRIGGER ${name} ${on} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    } finally {
      db.close();
    }
    return () => {
      const cleanup = new Database(weft.config.db);
      try {
        for (const name of Object.keys(triggers)) cleanup.exec(`DROP TRIGGER ${name}`);
      } finally {
        cleanup.close();
      }
    };
  }

  function liveTokenRows(where: string): number {
    const db = new Database(weft.config.db, { readonly: true });
    try {
      return db.prepare(`SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL AND ${where}`).pluck().get() as number;
    } finally {
      db.close();
    }
  }

  it('leaves no live token behind when its creation cannot be audited, even when a revoke would fail too', async () => {
    const allow = refuseWrites({
      refuse_token_audit: `BEFORE INSERT ON admin_audit WHEN NEW.action = 'token.create'`,
      refuse_revoke: 'BEFORE UPDATE OF revoked_at ON api_tokens',
    });
    let created;
    try {
      created = await weft.api('POST', '/api/v1/tokens', { token: weft.adminToken, body: { name: 'never-shown', role: 'admin' } });
    } finally {
      allow();
    }
    assert.notEqual(created.status, 201);
    assert.equal(created.body?.token, undefined, 'the token is not in the answer');
    const listed = await weft.api('GET', '/api/v1/tokens', { token: weft.adminToken });
    assert.deepEqual(
      (listed.body.items as Array<{ name: string }>).map((token) => token.name).filter((name) => name === 'never-shown'),
      [],
      'a token nobody was shown is not live',
    );
    assert.equal(liveTokenRows(`name = 'never-shown'`), 0, 'nor stored');

    // Once the audit can be written again, creating a token works and is audited.
    const retried = await weft.api('POST', '/api/v1/tokens', { token: weft.adminToken, body: { name: 'never-shown', role: 'admin' } });
    assert.equal(retried.status, 201);
    assert.equal((await weft.api('GET', '/api/v1/me', { token: retried.body.token })).status, 200);
    const audited = await weft.api('GET', '/api/v1/audit?action=token.create', { token: weft.adminToken });
    assert.deepEqual(
      (audited.body.items as Array<{ target: string; actor: string; detail: unknown }>)
        .filter((entry) => entry.target === retried.body.id)
        .map(({ actor, detail }) => ({ actor, detail })),
      [{ actor: 'admin', detail: { name: 'never-shown', role: 'admin' } }],
    );
  });

  it('leaves no live admin session behind when its sign-in cannot be audited', async () => {
    const sessionsBefore = liveTokenRows(`kind = 'session'`);
    const allow = refuseWrites({ refuse_session_audit: `BEFORE INSERT ON admin_audit WHEN NEW.action = 'session.create'` });
    let signedIn;
    try {
      signedIn = await weft.api('POST', '/api/v1/session', { body: { password: ADMIN_PASSWORD } });
    } finally {
      allow();
    }
    assert.notEqual(signedIn.status, 200);
    assert.equal(signedIn.body?.token, undefined, 'the session token is not in the answer');
    assert.equal(liveTokenRows(`kind = 'session'`), sessionsBefore, 'a session nobody was given is not live');

    const retried = await weft.api('POST', '/api/v1/session', { body: { password: ADMIN_PASSWORD } });
    assert.equal(retried.status, 200);
    assert.equal(liveTokenRows(`kind = 'session'`), sessionsBefore + 1);
  });
});
