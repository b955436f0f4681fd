import type { Connector, OAuth2AuthorizationCodeAuth, OAuth2ClientCredentialsAuth } from '@weft/sdk';
import type { Clock } from '../core/clock.ts';
import type { Connection } from '../store/store.ts';
import { createConnectionAuth } from './auth/connection-auth.ts';
import { createOAuth2Client, type TokenFetch } from './auth/oauth2.ts';
import { createTokenLoginClient } from './auth/token-login.ts';
import { createVaultTokenStore } from './auth/vault-token-store.ts';
import { baseUrlOf } from './connection-runtime.ts';
import type { ConnectionAuth } from './connector-http.ts';
import type { Vault } from './vault/vault.ts';

const NO_AUTH: ConnectionAuth = { authorize: async () => {} };

/**
 * How a connection authenticates: the scheme its config names (`authScheme`), else the
 * connector's first; secrets from the vault, OAuth 2 tokens kept there too; token-login
 * sessions in memory, per connection.
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
            scheme: withConnectionEndpoints(scheme, connector, connection),
            ...(scheme.clientAuthentication === undefined ? {} : { clientAuthentication: scheme.clientAuthentication }),
            credentials,
            tokens: createVaultTokenStore(options.vault),
            clock: options.clock,
            ...(options.fetch ? { fetch: options.fetch } : {}),
          })
        : undefined;
    // Logs in at the connection's own base URL, so a connection pointed at a sandbox logs in there.
    const tokenLogin =
      scheme.kind === 'token-login'
        ? createTokenLoginClient({
            connectionId: connection.id,
            scheme,
            baseUrl: baseUrlOf(connector, connection),
            credentials,
            clock: options.clock,
            ...(options.fetch ? { fetch: options.fetch } : {}),
          })
        : undefined;
    return createConnectionAuth({ scheme, credentials, clock: options.clock, ...(oauth2 ? { oauth2 } : {}), ...(tokenLogin ? { tokenLogin } : {}) });
  };
}

/** Connection settings that belong to the engine, not the connector's own config. */
export const ENGINE_CONNECTION_SETTINGS = ['baseUrl', 'authScheme', 'tokenUrl', 'authorizationUrl'] as const;

/**
 * The OAuth endpoints a connection really uses: its own `tokenUrl` / `authorizationUrl` settings
 * (a sandbox, a regional host), else the declaration's, a path in it resolved on the connection's base URL.
 */
export function withConnectionEndpoints<S extends OAuth2ClientCredentialsAuth | OAuth2AuthorizationCodeAuth>(scheme: S, connector: Connector, connection: Connection): S {
  const resolve = (setting: unknown, declared: string) =>
    typeof setting === 'string' && setting !== '' ? setting : declared.startsWith('/') ? new URL(declared, baseUrlOf(connector, connection)).href : declared;
  return {
    ...scheme,
    tokenUrl: resolve(connection.config.tokenUrl, scheme.tokenUrl),
    ...(scheme.kind === 'oauth2-authorization-code' ? { authorizationUrl: resolve(connection.config.authorizationUrl, scheme.authorizationUrl) } : {}),
  };
}
