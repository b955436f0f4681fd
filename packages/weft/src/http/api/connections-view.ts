import * as oauth from 'oauth4webapi';
import type { Dispatcher } from 'undici';
import type { ConnectorRateLimit } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import { createOAuth2Client, tokenFetchThrough, type OAuth2Client } from '../../connectors/auth/oauth2.ts';
import { createVaultTokenStore } from '../../connectors/auth/vault-token-store.ts';
import { ConnectionError, type ConnectionRuntime } from '../../connectors/connection-runtime.ts';
import { mergeRateLimits } from '../../connectors/rate-limit/limiter.ts';
import { testConnection } from '../../connectors/test-connection.ts';
import type { Vault } from '../../connectors/vault/vault.ts';
import type { Store } from '../../store/store.ts';
import { ApiProblem } from './api-problem.ts';
import { withConnectionEndpoints } from '../../connectors/connection-auth-factory.ts';

export interface ConnectionStatus {
  id: string;
  connectorId: string;
  /** Non-secret settings only: secrets live in the vault and never come out here. */
  config: Record<string, unknown>;
  health: 'ok' | 'failing' | 'unknown';
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  tokenExpiresAt: number | null;
  rateLimit: { limits: ConnectorRateLimit; pausedUntil: number | null };
  breaker: 'closed' | 'open';
}

export interface ConnectionsView {
  list(): Promise<ConnectionStatus[]>;
  test(connectionId: string): Promise<{ ok: boolean; detail: string }>;
  /** The consent URL of an OAuth 2 authorization-code connection; the callback comes back to `redirectUri`. */
  authorizationUrl(connectionId: string, redirectUri: string): Promise<string>;
  /** The vendor's redirect: trades the code for tokens, kept in the vault. Returns the connection id. */
  completeAuthorization(state: string, code: string | undefined, error: string | undefined): Promise<string>;
}

/** A consent the admin has this long to finish. */
const CONSENT_TTL_MS = 10 * 60_000;

/** Connections as the console shows them, built from the store, the vault and the calls' audit. */
export function createConnectionsView(options: {
  store: Store;
  runtime: ConnectionRuntime;
  vault: Vault;
  dispatcher: Dispatcher;
  clock: Clock;
  auditBodyBytes: number;
  redactFields: string[];
}): ConnectionsView {
  const { store, runtime, vault, clock } = options;
  const tokens = createVaultTokenStore(vault);
  const consents = new Map<string, { connectionId: string; codeVerifier: string; redirectUri: string; client: OAuth2Client; expiresAt: number }>();

  async function resolve(connectionId: string) {
    try {
      return await runtime.resolve(connectionId);
    } catch (error) {
      if (error instanceof ConnectionError) throw new ApiProblem(404, 'not-found', 'Not found', error.message);
      throw error;
    }
  }

  async function oauthClient(connectionId: string): Promise<OAuth2Client> {
    const { connection, connector } = await resolve(connectionId);
    const scheme = connector.auth.find((s) => s.kind === connection.config.authScheme) ?? connector.auth[0];
    if (scheme?.kind !== 'oauth2-authorization-code') {
      throw new ApiProblem(409, 'not-oauth', 'Not an OAuth 2 connection', `connection ${connectionId} uses ${scheme?.kind ?? 'no auth'}, not OAuth 2 authorization code: there is nothing to sign in`);
    }
    return createOAuth2Client({
      connectionId,
      scheme: withConnectionEndpoints(scheme, connector, connection),
      ...(scheme.clientAuthentication === undefined ? {} : { clientAuthentication: scheme.clientAuthentication }),
      credentials: { get: (name) => vault.get(connectionId, name) },
      tokens,
      clock,
      fetch: tokenFetchThrough(options.dispatcher),
      ...(typeof connection.config.issuer === 'string' ? { issuer: connection.config.issuer } : {}),
    });
  }

  return {
    async list() {
      const [connections, activity] = await Promise.all([store.connections.list(), store.operations.connectionActivity()]);
      const byId = new Map(activity.map((entry) => [entry.connection, entry]));
      const now = clock.now();
      return Promise.all(
        connections.map(async (connection): Promise<ConnectionStatus> => {
          const seen = byId.get(connection.id);
          const lastSuccessAt = seen?.lastSuccessAt ?? null;
          const lastFailureAt = seen?.lastFailureAt ?? null;
          const health = lastSuccessAt === null && lastFailureAt === null ? 'unknown' : (lastFailureAt ?? -1) > (lastSuccessAt ?? -1) ? 'failing' : 'ok';
          const connector = runtime.registry.get(connection.connectorId);
          const limits = mergeRateLimits(connector?.rateLimit, connection.config.rateLimit as ConnectorRateLimit | undefined);
          const pausedUntil = (await store.rateLimits.pausedUntil(connection.id)) ?? null;
          const tokenSet = await tokens.load(connection.id).catch(() => undefined);
          const { rateLimit: _rateLimit, ...config } = connection.config;
          return {
            id: connection.id,
            connectorId: connection.connectorId,
            config: { ...config, ...(connection.config.rateLimit === undefined ? {} : { rateLimit: connection.config.rateLimit }) },
            health,
            lastSuccessAt,
            lastFailureAt,
            tokenExpiresAt: tokenSet?.expiresAt ?? null,
            rateLimit: { limits, pausedUntil: pausedUntil !== null && pausedUntil > now ? pausedUntil : null },
            // The breaker lives in each worker's memory; what every process shares is the pause it
            // publishes when it opens. A pause while the last call failed is the breaker (or the
            // vendor's Retry-After) holding calls back.
            breaker: pausedUntil !== null && pausedUntil > now && health === 'failing' ? 'open' : 'closed',
          };
        }),
      );
    },

    async test(connectionId) {
      const resolved = await resolve(connectionId);
      try {
        const result = await testConnection(resolved, { dispatcher: options.dispatcher, auditBodyBytes: options.auditBodyBytes, redactFields: options.redactFields });
        const ok = result.status >= 200 && result.status < 400;
        return { ok, detail: `${result.action}: HTTP ${result.status} in ${result.durationMs} ms` };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },

    async authorizationUrl(connectionId, redirectUri) {
      const client = await oauthClient(connectionId);
      const now = clock.now();
      for (const [state, consent] of consents) if (consent.expiresAt <= now) consents.delete(state);
      const state = oauth.generateRandomState();
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const url = await client.authorizationUrl({ redirectUri, state, codeVerifier });
      consents.set(state, { connectionId, codeVerifier, redirectUri, client, expiresAt: now + CONSENT_TTL_MS });
      return url.toString();
    },

    async completeAuthorization(state, code, error) {
      const consent = consents.get(state);
      // One use per state: a replayed redirect finds nothing.
      consents.delete(state);
      if (consent === undefined || consent.expiresAt <= clock.now()) throw new ApiProblem(400, 'unknown-consent', 'Sign-in failed', 'this sign-in link is unknown or expired; start again from the console');
      if (error !== undefined) throw new ApiProblem(400, 'consent-denied', 'Sign-in failed', `the provider answered: ${error}`);
      if (code === undefined) throw new ApiProblem(400, 'consent-incomplete', 'Sign-in failed', 'the provider sent no authorization code');
      await consent.client.exchangeCode({ code, redirectUri: consent.redirectUri, codeVerifier: consent.codeVerifier });
      return consent.connectionId;
    },
  };
}
