import type { Connector } from '@weft/sdk';
import type { Clock } from '../core/clock.ts';
import type { Connection } from '../store/store.ts';
import { createConnectionAuth } from './auth/connection-auth.ts';
import { createOAuth2Client, type TokenFetch } from './auth/oauth2.ts';
import { createVaultTokenStore } from './auth/vault-token-store.ts';
import type { ConnectionAuth } from './connector-http.ts';
import type { Vault } from './vault/vault.ts';

const NO_AUTH: ConnectionAuth = { authorize: async () => {} };

/**
 * How a connection authenticates: the scheme its config names (`authScheme`), else the
 * connector's first; secrets from the vault, OAuth 2 tokens kept there too.
 */
export function createAuthFactory(options: { vault: Vault; clock: Clock; fetch?: TokenFetch }) {
  return (connection: Connection, connector: Connector): ConnectionAuth => {
    const wanted = connection.config.authScheme;
    const scheme = connector.auth.find((candidate) => candidate.kind === wanted) ?? connector.auth[0];
    if (!scheme) return NO_AUTH;
    const credentials = { get: (name: string) => options.vault.get(connection.id, name) };
    const oauth2 =
      scheme.kind === 'oauth2-client-credentials' || scheme.kind === 'oauth2-authorization-code'
        ? createOAuth2Client({
            connectionId: connection.id,
            scheme,
            credentials,
            tokens: createVaultTokenStore(options.vault),
            clock: options.clock,
            ...(options.fetch ? { fetch: options.fetch } : {}),
          })
        : undefined;
    return createConnectionAuth({ scheme, credentials, clock: options.clock, ...(oauth2 ? { oauth2 } : {}) });
  };
}
