import type { Vault } from '../vault/vault.ts';
import type { TokenSet, TokenStore } from './oauth2.ts';

/**
 * The name of the vault secret that holds a connection's OAuth 2 token set. One secret, not one
 * per token: a vault `put` is one row write, so the access and refresh tokens change together.
 */
export const TOKEN_SET_SECRET = 'oauth2Tokens';

/** Keeps token sets encrypted in the credential vault, beside the connection's other secrets. */
export function createVaultTokenStore(vault: Pick<Vault, 'get' | 'put'>): TokenStore {
  return {
    async load(connectionId) {
      const text = await vault.get(connectionId, TOKEN_SET_SECRET);
      return text === undefined ? undefined : parseTokenSet(text);
    },
    async save(connectionId, tokens) {
      await vault.put(connectionId, TOKEN_SET_SECRET, JSON.stringify(tokens));
    },
  };
}

// A set that does not parse is treated as absent: the client then asks for a new one (client
// credentials) or says to run `weft connect`, instead of failing with a message quoting it.
function parseTokenSet(text: string): TokenSet | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const set = value as Record<string, unknown>;
  if (typeof set.accessToken !== 'string' || typeof set.tokenType !== 'string') return undefined;
  return {
    accessToken: set.accessToken,
    tokenType: set.tokenType,
    ...(typeof set.refreshToken === 'string' ? { refreshToken: set.refreshToken } : {}),
    ...(typeof set.expiresAt === 'number' ? { expiresAt: set.expiresAt } : {}),
    ...(typeof set.obtainedAt === 'number' ? { obtainedAt: set.obtainedAt } : {}),
    ...(typeof set.scope === 'string' ? { scope: set.scope } : {}),
  };
}
