import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN_SET_SECRET } from '../../connectors/auth/vault-token-store.ts';
import { generateMasterKey, parseMasterKey } from '../../connectors/vault/master-key.ts';
import { createMemoryVaultStorage, createVault } from '../../connectors/vault/vault.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { createUnrenewableTokens } from './unrenewable-tokens.ts';

const T0 = Date.UTC(2026, 0, 1);

describe('unrenewable tokens', () => {
  it('lists connections whose OAuth token expires and has no refresh token, and nothing of the tokens themselves', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const vault = createVault({ keys: { current: parseMasterKey(generateMasterKey()), previous: [] }, storage: createMemoryVaultStorage() });
      for (const id of ['shop', 'crm', 'erp', 'plain']) await store.connections.put({ id, connectorId: 'test', config: {}, now: T0 });
      await vault.put('shop', TOKEN_SET_SECRET, JSON.stringify({ accessToken: 'at-shop', tokenType: 'Bearer', expiresAt: T0 + 86_400_000 }));
      await vault.put('crm', TOKEN_SET_SECRET, JSON.stringify({ accessToken: 'at-crm', tokenType: 'Bearer', refreshToken: 'rt', expiresAt: T0 + 3_600_000 }));
      await vault.put('erp', TOKEN_SET_SECRET, JSON.stringify({ accessToken: 'at-erp', tokenType: 'Bearer' }));
      await vault.put('plain', 'apiKey', 'k');

      const found = await createUnrenewableTokens(store.connections, vault)();
      assert.deepEqual(found, [{ connection: 'shop', expiresAt: T0 + 86_400_000 }]);
    } finally {
      await store.close();
    }
  });
});
