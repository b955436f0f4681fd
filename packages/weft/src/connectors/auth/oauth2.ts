/**
 * One OAuth 2 client per connection (docs/adr/0008-oauth2.md): it hands out access tokens,
 * refreshes them before they expire, lets only one refresh run at a time however many requests
 * wait, and persists rotated refresh tokens before anything uses them. The protocol work
 * (request encoding, client authentication, response validation) is oauth4webapi's.
 */
import { setTimeout as delay } from 'node:timers/promises';
import * as oauth from 'oauth4webapi';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { AuthError, PermanentError, RateLimitedError, RetryableError, parseRetryAfter } from '@weft/sdk';
import type { OAuth2AuthorizationCodeAuth, OAuth2ClientCredentialsAuth } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import type { CredentialSource } from './apply-auth.ts';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms; absent when the provider gave no `expires_in` (the token lasts until a 401). */
  expiresAt?: number;
  /** Epoch ms when it was requested; with `expiresAt` it gives the lifetime the refresh skew is capped by. */
  obtainedAt?: number;
  scope?: string;
  /** Lower case, as oauth4webapi normalises it ("bearer"). */
  tokenType: string;
}

/**
 * Where a connection's token set lives between processes and restarts. `save` must replace the
 * whole set in one atomic write: a reader must never see a new access token beside an old
 * refresh token, or the other way round.
 */
export interface TokenStore {
  load(connectionId: string): Promise<TokenSet | undefined>;
  save(connectionId: string, tokens: TokenSet): Promise<void>;
}

export type OAuth2Scheme = OAuth2ClientCredentialsAuth | OAuth2AuthorizationCodeAuth;

export type TokenFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Token requests through `dispatcher`, the engine's egress-guarded agent: a token endpoint is an outbound call too. */
export function tokenFetchThrough(dispatcher: Dispatcher): TokenFetch {
  return (url, init) => undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}

export interface OAuth2ClientOptions {
  connectionId: string;
  scheme: OAuth2Scheme;
  /** Reads `clientId` and `clientSecret` (absent for a public client, which then sends no secret). */
  credentials: CredentialSource;
  tokens: TokenStore;
  clock: Clock;
  /** Refresh this long before expiry; capped at half the token's lifetime. Default 60 s. */
  skewMs?: number;
  /** Token endpoint requests go through this (the engine passes undici with the egress guard). */
  fetch?: TokenFetch;
  /** Per token endpoint request. Default 30 s. */
  timeoutMs?: number;
  /**
   * After the provider refuses a refresh token the store still holds, how long another worker's
   * save of the set that replaced it is given before the store is read again. Default 1 s.
   */
  rotationWaitMs?: number;
  /** How the client id and secret are sent; vendors differ. Default client_secret_basic (RFC 6749 §2.3.1). */
  clientAuthentication?: 'client_secret_basic' | 'client_secret_post';
  /**
   * The authorization server's issuer identifier, when known: the `iss` of an authorization
   * response is then checked against it (RFC 9207). Connector declarations do not carry one.
   */
  issuer?: string;
}

export interface OAuth2Client {
  readonly connectionId: string;
  /** The configured issuer, if any, for the connect flow's RFC 9207 `iss` check. */
  readonly issuer: string | undefined;
  /** A token valid for at least the skew from now, refreshing (once, shared) when needed. */
  accessToken(): Promise<string>;
  /**
   * The destination refused `rejectedAccessToken` (a 401, or `detectAuthFailure`): the next
   * `accessToken()` refreshes. A token other than the current one is ignored, so a burst of 401s
   * for one token causes one refresh, not one each.
   */
  invalidate(rejectedAccessToken: string): void;
  /** The consent URL, with `state` and, when the scheme says so, a PKCE S256 challenge. */
  authorizationUrl(options: { redirectUri: string; state: string; codeVerifier: string }): Promise<URL>;
  /** Trades an authorization code for tokens, saves them, and makes them current. */
  exchangeCode(options: { code: string; redirectUri: string; codeVerifier: string }): Promise<TokenSet>;
}

const DEFAULT_SKEW_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_ROTATION_WAIT_MS = 1_000;

export function createOAuth2Client(options: OAuth2ClientOptions): OAuth2Client {
  const { connectionId, scheme, credentials, tokens, clock } = options;
  const skewMs = options.skewMs ?? DEFAULT_SKEW_MS;
  const as: oauth.AuthorizationServer = {
    issuer: options.issuer ?? new URL(scheme.tokenUrl).origin,
    token_endpoint: scheme.tokenUrl,
    ...(scheme.kind === 'oauth2-authorization-code' ? { authorization_endpoint: scheme.authorizationUrl } : {}),
  };
  const connect = `\`weft connect ${connectionId}\``;

  let current: TokenSet | undefined;
  let rejected: string | undefined;
  let inflight: Promise<TokenSet> | undefined;
  // A rotated set the provider issued but the store did not take: kept to retry the save, never used before it succeeds.
  let unsaved: TokenSet | undefined;
  // A refresh token refused once with nothing newer in the store: refused again, it is revoked.
  let doubtedRefreshToken: string | undefined;

  function usable(set: TokenSet): boolean {
    if (set.accessToken === rejected) return false;
    if (set.expiresAt === undefined) return true;
    // A token that lives 2 minutes must not be "about to expire" for the first of them.
    const lifetime = set.obtainedAt === undefined ? Infinity : set.expiresAt - set.obtainedAt;
    return set.expiresAt - Math.min(skewMs, lifetime / 2) > clock.now();
  }

  async function transport(): Promise<{ client: oauth.Client; auth: oauth.ClientAuth; request: oauth.TokenEndpointRequestOptions }> {
    const clientId = await credentials.get('clientId');
    if (clientId === undefined || clientId === '') {
      throw new AuthError('ERR_OAUTH_NO_CLIENT_ID', { message: `Connection ${connectionId} has no "clientId" secret; set it with \`weft connections add\`.` });
    }
    const clientSecret = await credentials.get('clientSecret');
    const auth =
      clientSecret === undefined || clientSecret === ''
        ? oauth.None()
        : options.clientAuthentication === 'client_secret_post'
          ? oauth.ClientSecretPost(clientSecret)
          : oauth.ClientSecretBasic(clientSecret);
    const request: oauth.TokenEndpointRequestOptions = {
      signal: () => AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      // Plain http only to loopback (sandboxes, local providers): elsewhere it would send the secret in clear.
      ...(isLoopbackHttp(scheme.tokenUrl) ? { [oauth.allowInsecureRequests]: true } : {}),
      ...(options.fetch === undefined ? {} : { [oauth.customFetch]: options.fetch }),
    };
    return { client: { client_id: clientId }, auth, request };
  }

  function toTokenSet(response: oauth.TokenEndpointResponse, sentAt: number, previous?: TokenSet): TokenSet {
    const refreshToken = response.refresh_token ?? previous?.refreshToken;
    const scope = response.scope ?? previous?.scope;
    return {
      accessToken: response.access_token,
      tokenType: response.token_type,
      // Counted from when the request left, not when the answer came: the token may be older than it looks, never younger.
      ...(response.expires_in === undefined ? {} : { expiresAt: sentAt + response.expires_in * 1000, obtainedAt: sentAt }),
      // A provider that does not rotate omits refresh_token on refresh: the old one stays valid.
      ...(refreshToken === undefined ? {} : { refreshToken }),
      ...(scope === undefined ? {} : { scope }),
    };
  }

  /**
   * The new set is stored before anyone uses it. The store is the one copy every worker and every
   * restart reads. Were a rotated set used while only this process held it, a crash would leave
   * the store with the old refresh token, which the provider no longer accepts (and many treat a
   * replayed rotated token as theft and revoke the whole grant, new token included): the
   * connection would break later, far from the cause. Failing now keeps the failure at the save,
   * retryable, and keeps the set in `unsaved` so the retry stores it instead of refreshing again.
   */
  async function persist(set: TokenSet): Promise<TokenSet> {
    try {
      await tokens.save(connectionId, set);
    } catch {
      unsaved = set;
      throw new RetryableError('ERR_OAUTH_TOKEN_SAVE_FAILED', {
        message: `New tokens for connection ${connectionId} could not be saved; the call will be retried.`,
      });
    }
    unsaved = undefined;
    current = set;
    rejected = undefined;
    return set;
  }

  async function obtain(): Promise<TokenSet> {
    if (unsaved !== undefined) await persist(unsaved);
    if (current !== undefined && usable(current)) return current;
    // Another worker, or this connection before a restart, may have refreshed already.
    const stored = await tokens.load(connectionId);
    if (stored !== undefined && usable(stored)) {
      current = stored;
      return stored;
    }
    if (scheme.kind === 'oauth2-client-credentials') return persist(await clientCredentials());
    const previous = stored ?? current;
    if (previous === undefined) {
      throw new AuthError('ERR_OAUTH_NOT_CONNECTED', { message: `Connection ${connectionId} has not been authorized yet; run ${connect}.` });
    }
    const { refreshToken } = previous;
    if (refreshToken === undefined) {
      throw new AuthError('ERR_OAUTH_NO_REFRESH_TOKEN', {
        message: `The access token for connection ${connectionId} expired and the provider gave no refresh token; run ${connect} again.`,
      });
    }
    let fresh: TokenSet;
    try {
      fresh = await refresh(previous, refreshToken);
    } catch (error) {
      if (!(error instanceof AuthError && error.code === 'ERR_OAUTH_REFRESH_REJECTED')) throw error;
      const latest = await replacementOf(refreshToken);
      if (latest === undefined) {
        // Revoked, or rotated by a worker whose save outlasted the wait (or that died before
        // saving, which no retry mends). One retry tells the slow save apart, so it does not
        // cost an `auth` exception; a second refusal of the same token is final.
        if (refreshToken === doubtedRefreshToken) throw error;
        doubtedRefreshToken = refreshToken;
        throw new RetryableError('ERR_OAUTH_REFRESH_REJECTED_ONCE', {
          status: error.status,
          message: `The token endpoint refused the refresh token of connection ${connectionId}, which another worker may have just replaced; the call will be retried.`,
        });
      }
      if (usable(latest)) {
        current = latest;
        return latest;
      }
      if (latest.refreshToken === undefined) throw error;
      fresh = await refresh(latest, latest.refreshToken);
    }
    return persist(fresh);
  }

  /**
   * The stored set that replaced `refusedRefreshToken`, if any. Another worker may have rotated the
   * token between our load and our request; it saves the new set before using it, but that save may
   * still be committing when our refusal comes back, so a store still holding the refused token
   * is read once more after `rotationWaitMs`.
   */
  async function replacementOf(refusedRefreshToken: string): Promise<TokenSet | undefined> {
    let latest = await tokens.load(connectionId);
    if (latest?.refreshToken === refusedRefreshToken) {
      await delay(options.rotationWaitMs ?? DEFAULT_ROTATION_WAIT_MS);
      latest = await tokens.load(connectionId);
    }
    return latest === undefined || latest.refreshToken === refusedRefreshToken ? undefined : latest;
  }

  async function clientCredentials(): Promise<TokenSet> {
    const { client, auth, request } = await transport();
    const sentAt = clock.now();
    const parameters: Record<string, string> = scheme.scopes.length > 0 ? { scope: scheme.scopes.join(' ') } : {};
    try {
      const response = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, request);
      return toTokenSet(await oauth.processClientCredentialsResponse(as, client, response), sentAt);
    } catch (error) {
      throw tokenEndpointError(error, 'client-credentials');
    }
  }

  async function refresh(previous: TokenSet, refreshToken: string): Promise<TokenSet> {
    const { client, auth, request } = await transport();
    const sentAt = clock.now();
    try {
      const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, request);
      return toTokenSet(await oauth.processRefreshTokenResponse(as, client, response), sentAt, previous);
    } catch (error) {
      throw tokenEndpointError(error, 'refresh');
    }
  }

  function tokenEndpointError(error: unknown, grant: 'client-credentials' | 'refresh' | 'code'): Error {
    // Causes are dropped on purpose: oauth4webapi attaches response bodies, which can hold tokens.
    if (error instanceof oauth.ResponseBodyError) {
      if (error.status === 429) {
        const retryAfterMs = parseRetryAfter(error.response.headers.get('retry-after') ?? undefined, clock.now());
        return new RateLimitedError('ERR_OAUTH_TOKEN_RATE_LIMITED', {
          status: 429,
          message: `The token endpoint for connection ${connectionId} is rate-limiting us.`,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
      }
      if (error.status >= 500) return endpointDown(error.status);
      if (error.error === 'invalid_grant' && grant === 'refresh') {
        return new AuthError('ERR_OAUTH_REFRESH_REJECTED', {
          status: error.status,
          message: `The refresh token for connection ${connectionId} was revoked or expired; run ${connect} again.`,
        });
      }
      if (error.error === 'invalid_grant' && grant === 'code') {
        return new AuthError('ERR_OAUTH_CODE_REJECTED', {
          status: error.status,
          message: `The authorization server did not accept the sign-in for connection ${connectionId} (the code expired or was already used); run ${connect} again.`,
        });
      }
      if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
        return clientRejected(error.status);
      }
      return new AuthError('ERR_OAUTH_TOKEN_REFUSED', {
        status: error.status,
        message: `The token endpoint for connection ${connectionId} refused the request (${oauthErrorCode(error.error)}).`,
      });
    }
    // A 401 with a WWW-Authenticate challenge: the client authentication itself failed.
    if (error instanceof oauth.WWWAuthenticateChallengeError) return clientRejected(error.status);
    if (error instanceof oauth.OperationProcessingError && error.cause instanceof Response) {
      const { status } = error.cause;
      if (status >= 500 || status === 429) return endpointDown(status);
      if (status === 401 || status === 403) return clientRejected(status);
    }
    if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
      return new PermanentError('ERR_OAUTH_TOKEN_RESPONSE_INVALID', {
        reason: 'auth',
        message: `The token endpoint for connection ${connectionId} sent a response that is not a valid OAuth 2 token response.`,
      });
    }
    if (error instanceof TypeError && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_INVALID_ARG')) {
      // oauth4webapi's argument checks: our bug, not the network's.
      return new PermanentError('ERR_OAUTH_CLIENT_MISCONFIGURED', { message: `The OAuth 2 client for connection ${connectionId} is misconfigured (${error.code}).` });
    }
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return new RetryableError('ERR_OAUTH_TOKEN_ENDPOINT_UNREACHABLE', {
      ...(timedOut ? { reason: 'timeout' as const } : {}),
      message: `Could not reach the token endpoint for connection ${connectionId}${timedOut ? ' in time' : ''}; the call will be retried.`,
    });
  }

  function endpointDown(status: number): RetryableError {
    return new RetryableError('ERR_OAUTH_TOKEN_ENDPOINT_DOWN', {
      status,
      message: `The token endpoint for connection ${connectionId} is failing (HTTP ${status}); the call will be retried.`,
    });
  }

  function clientRejected(status: number): AuthError {
    return new AuthError('ERR_OAUTH_CLIENT_REJECTED', {
      status,
      message: `The authorization server refused the client id or secret of connection ${connectionId}; check its "clientId" and "clientSecret" secrets.`,
    });
  }

  return {
    connectionId,
    issuer: options.issuer,

    async accessToken() {
      if (current !== undefined && usable(current)) return current.accessToken;
      // Single-flight: every caller that arrives while a refresh runs awaits that same refresh.
      inflight ??= obtain().finally(() => {
        inflight = undefined;
      });
      return (await inflight).accessToken;
    },

    invalidate(rejectedAccessToken) {
      if (current !== undefined && current.accessToken !== rejectedAccessToken) return;
      rejected = rejectedAccessToken;
    },

    async authorizationUrl({ redirectUri, state, codeVerifier }) {
      if (scheme.kind !== 'oauth2-authorization-code') {
        throw new TypeError(`connection ${connectionId} uses ${scheme.kind}, which has no consent step`);
      }
      const clientId = await credentials.get('clientId');
      if (clientId === undefined || clientId === '') {
        throw new AuthError('ERR_OAUTH_NO_CLIENT_ID', { message: `Connection ${connectionId} has no "clientId" secret; set it with \`weft connections add\`.` });
      }
      const url = new URL(scheme.authorizationUrl);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('state', state);
      if (scheme.scopes.length > 0) url.searchParams.set('scope', scheme.scopes.join(' '));
      if (scheme.pkce) {
        url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
        url.searchParams.set('code_challenge_method', 'S256');
      }
      return url;
    },

    async exchangeCode({ code, redirectUri, codeVerifier }) {
      if (scheme.kind !== 'oauth2-authorization-code') {
        throw new TypeError(`connection ${connectionId} uses ${scheme.kind}, which has no authorization code`);
      }
      const { client, auth, request } = await transport();
      const parameters: Record<string, string> = { code, redirect_uri: redirectUri };
      if (scheme.pkce) parameters.code_verifier = codeVerifier;
      const sentAt = clock.now();
      let set: TokenSet;
      try {
        const response = await oauth.genericTokenEndpointRequest(as, client, auth, 'authorization_code', parameters, request);
        set = toTokenSet(await oauth.processGenericTokenEndpointResponse(as, client, response), sentAt);
      } catch (error) {
        throw tokenEndpointError(error, 'code');
      }
      return persist(set);
    },
  };
}

/** Keeps token sets in memory: for tests and for `weft dev` runs that need no persistence. */
export function createMemoryTokenStore(initial: Record<string, TokenSet> = {}): TokenStore & { saves: number } {
  const sets = new Map(Object.entries(initial).map(([id, set]) => [id, structuredClone(set)]));
  const store = {
    saves: 0,
    async load(connectionId: string) {
      const set = sets.get(connectionId);
      return set === undefined ? undefined : structuredClone(set);
    },
    async save(connectionId: string, tokens: TokenSet) {
      sets.set(connectionId, structuredClone(tokens));
      store.saves += 1;
    },
  };
  return store;
}

function isLoopbackHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && (hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost');
}

/** An OAuth error code is an ASCII token by spec (RFC 6749 §5.2); anything else is not echoed. */
export function oauthErrorCode(code: string): string {
  return /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(code) ? code : 'unrecognised error';
}
