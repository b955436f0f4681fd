import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN_SET_SECRET, createVaultTokenStore } from './vault-token-store.ts';

function mapVault() {
  const rows = new Map<string, string>();
  return {
    rows,
    get: async (connectionId: string, name: string) => rows.get(`${connectionId}/${name}`),
    put: async (connectionId: string, name: string, value: string) => {
      rows.set(`${connectionId}/${name}`, value);
    },
  };
}

describe('createVaultTokenStore', () => {
  it('keeps the whole token set in one vault secret', async () => {
    const vault = mapVault();
    const store = createVaultTokenStore(vault);
    const set = { accessToken: 'a', refreshToken: 'r', expiresAt: 2_000, obtainedAt: 1_000, scope: 'api:read', tokenType: 'bearer' };
    await store.save('crm', set);
    assert.deepEqual([...vault.rows.keys()], [`crm/${TOKEN_SET_SECRET}`]);
    assert.deepEqual(await store.load('crm'), set);
    assert.equal(await store.load('erp'), undefined);
  });

  it('treats an unreadable set as absent instead of failing with its text', async () => {
    const vault = mapVault();
    vault.rows.set(`crm/${TOKEN_SET_SECRET}`, '{"accessToken":');
    vault.rows.set(`erp/${TOKEN_SET_SECRET}`, '{"accessToken":1,"tokenType":"bearer"}');
    const store = createVaultTokenStore(vault);
    assert.equal(await store.load('crm'), undefined);
    assert.equal(await store.load('erp'), undefined);
  });
});
