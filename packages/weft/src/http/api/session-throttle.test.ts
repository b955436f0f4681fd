import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FAILED_SIGN_INS } from './sign-in-throttle.ts';
import { ADMIN_PASSWORD, startApiWeft, type ApiWeft } from './testing.ts';

/** A Weft of its own: once paused, password sign-in stays paused for minutes. */
describe('admin password sign-in under guessing', () => {
  let weft: ApiWeft;
  before(async () => {
    weft = await startApiWeft();
  });
  after(() => weft.stop());

  it('pauses after ten wrong passwords — the right one too — says when to retry, records it, and leaves API tokens working', { timeout: 60_000 }, async () => {
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
      const wrong = await weft.api('POST', '/api/v1/session', { body: { password: `guess-${i}` } });
      assert.equal(wrong.status, 401, `guess ${i}`);
    }
    const paused = await weft.api('POST', '/api/v1/session', { body: { password: ADMIN_PASSWORD } });
    assert.equal(paused.status, 429);
    assert.equal(paused.body.code, 'sign-in-paused');
    const retryAfter = Number(paused.headers['retry-after']);
    assert.ok(retryAfter > 250 && retryAfter <= 300, `Retry-After: ${paused.headers['retry-after']}`);
    assert.match(paused.body.detail, /API tokens still work/);

    assert.equal((await weft.api('GET', '/api/v1/me', { token: weft.adminToken })).status, 200, 'a session from before still works');
    const audit = await weft.api('GET', '/api/v1/audit', { token: weft.adminToken });
    const pausedEntries = (audit.body.items as Array<{ action: string; detail: { failures: number } }>).filter((entry) => entry.action === 'session.paused');
    assert.equal(pausedEntries.length, 1, 'recorded once, when the pause began');
    assert.equal(pausedEntries[0]!.detail.failures, MAX_FAILED_SIGN_INS);
  });
});

describe('admin password sign-in under a burst of guesses', () => {
  let weft: ApiWeft;
  before(async () => {
    weft = await startApiWeft();
  });
  after(() => weft.stop());

  it('checks no more than ten of forty wrong passwords sent at once', { timeout: 60_000 }, async () => {
    const answers = await Promise.all(Array.from({ length: 4 * MAX_FAILED_SIGN_INS }, (_, i) => weft.api('POST', '/api/v1/session', { body: { password: `burst-${i}` } })));
    const statuses = answers.map((answer) => answer.status);
    assert.equal(statuses.filter((status) => status === 401).length, MAX_FAILED_SIGN_INS, statuses.join(' '));
    assert.equal(statuses.filter((status) => status === 429).length, 3 * MAX_FAILED_SIGN_INS);
  });
});
