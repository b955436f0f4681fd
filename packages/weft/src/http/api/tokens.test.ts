import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreUnavailableError, type AdminAuditEntry } from '../../store/store.ts';
import { startApiWeft, type ApiWeft } from './testing.ts';

describe('API tokens', () => {
  let weft: ApiWeft;
  before(async () => {
    weft = await startApiWeft();
  });
  after(async () => weft.stop());

  it('leaves no live token behind when its creation cannot be audited', async () => {
    const audit = weft.store.adminAudit;
    const record = audit.record;
    audit.record = async (entry: AdminAuditEntry) => {
      if (entry.action === 'token.create') throw new StoreUnavailableError('database or disk is full');
      return record(entry);
    };
    let created;
    try {
      created = await weft.api('POST', '/api/v1/tokens', { token: weft.adminToken, body: { name: 'never-shown', role: 'admin' } });
    } finally {
      audit.record = record;
    }
    assert.notEqual(created.status, 201);
    assert.equal(created.body?.token, undefined, 'the token is not in the answer');
    const listed = await weft.api('GET', '/api/v1/tokens', { token: weft.adminToken });
    assert.deepEqual(
      (listed.body.items as Array<{ name: string }>).map((token) => token.name).filter((name) => name === 'never-shown'),
      [],
      'a token nobody was shown is not live',
    );

    // Once the audit can be written again, creating a token works and is audited.
    const retried = await weft.api('POST', '/api/v1/tokens', { token: weft.adminToken, body: { name: 'never-shown', role: 'admin' } });
    assert.equal(retried.status, 201);
    assert.equal((await weft.api('GET', '/api/v1/me', { token: retried.body.token })).status, 200);
    const audited = await weft.api('GET', '/api/v1/audit?action=token.create', { token: weft.adminToken });
    assert.deepEqual(
      (audited.body.items as Array<{ target: string }>).map((entry) => entry.target).filter((target) => target === retried.body.id),
      [retried.body.id],
    );
  });
});
