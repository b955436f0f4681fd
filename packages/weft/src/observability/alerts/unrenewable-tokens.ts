import { createVaultTokenStore } from '../../connectors/auth/vault-token-store.ts';
import type { Vault } from '../../connectors/vault/vault.ts';
import type { ConnectionStore } from '../../store/store.ts';

/**
 * Connections whose OAuth token set has an expiry and no refresh token: nothing renews those
 * automatically, so someone has to run `weft connect` before they lapse. Tokens never leave here.
 */
export function createUnrenewableTokens(connections: Pick<ConnectionStore, 'list'>, vault: Pick<Vault, 'get' | 'put'>) {
  const tokens = createVaultTokenStore(vault);
  return async (): Promise<Array<{ connection: string; expiresAt: number }>> => {
    const found: Array<{ connection: string; expiresAt: number }> = [];
    for (const connection of await connections.list()) {
      const set = await tokens.load(connection.id);
      if (set?.expiresAt !== undefined && set.refreshToken === undefined) found.push({ connection: connection.id, expiresAt: set.expiresAt });
    }
    return found;
  };
}
