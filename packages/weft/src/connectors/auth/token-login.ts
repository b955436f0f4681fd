/**
 * One token-login client per connection (the `token-login` scheme, e.g. Shiprocket): it logs in
 * with the connection's user name and password, hands out the session token, logs in again
 * before the declared lifetime ends or after the destination refused the token, and lets only
 * one login run at a time however many requests wait. The token stays in memory: a login is
 * cheap and the password is what the vault keeps, so a restart simply logs in again.
 *
 * Modelled on the OAuth 2 client (oauth2.ts): same skew, same single-flight, same `invalidate`.
 */
import { AuthError, PermanentError, RateLimitedError, RetryableError, parseRetryAfter } from '@weft/sdk';
import type { TokenLoginAuth } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import type { CredentialSource } from './apply-auth.ts';
import type { TokenFetch } from './oauth2.ts';

export interface TokenLoginClientOptions {
  connectionId: string;
  scheme: TokenLoginAuth;
  /** The connection's base URL; the scheme's path is joined to it. */
  baseUrl: string;
  /** Reads the `username` and `password` secrets the scheme's body names. */
  credentials: CredentialSource;
  clock: Clock;
  /** Log in again this long before expiry; capped at half the token's lifetime. Default 60 s. */
  skewMs?: number;
  /** Login requests go through this (the engine passes undici with the egress guard). */
  fetch?: TokenFetch;
  /** Per login request. Default 30 s. */
  timeoutMs?: number;
}

export interface TokenLoginClient {
  /** A token valid for at least the skew from now, logging in (once, shared) when needed. */
  accessToken(): Promise<string>;
  /**
   * The destination refused `rejectedToken` (a 401): the next `accessToken()` logs in again. A
   * token other than the current one is ignored, so a burst of 401s causes one login.
   */
  invalidate(rejectedToken: string): void;
}

const DEFAULT_SKEW_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Statuses a login endpoint uses for credentials it does not accept (Laravel APIs answer 422 for a malformed email). */
const REFUSED_STATUSES = new Set([400, 401, 403, 422]);

export function createTokenLoginClient(options: TokenLoginClientOptions): TokenLoginClient {
  const { connectionId, scheme, credentials, clock } = options;
  const skewMs = options.skewMs ?? DEFAULT_SKEW_MS;
  const lifetimeMs = scheme.lifetimeSeconds * 1000;
  const loginUrl = new URL(options.baseUrl.replace(/\/+$/, '') + scheme.path);
  const send = options.fetch ?? ((url, init) => fetch(url, init));

  let current: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  function usable(session: { expiresAt: number }): boolean {
    return session.expiresAt - Math.min(skewMs, lifetimeMs / 2) > clock.now();
  }

  async function body(): Promise<string> {
    const fields: Record<string, string> = {};
    for (const [field, name] of Object.entries(scheme.body)) {
      const value = await credentials.get(name);
      if (value === undefined || value === '') {
        throw new AuthError('ERR_AUTH_MISSING_SECRET', {
          message: `The connection has no "${name}" secret; set it with \`weft connections add\`.`,
        });
      }
      fields[field] = value;
    }
    return JSON.stringify(fields);
  }

  async function login(): Promise<string> {
    // The body carries the password: plain http only to loopback (sandboxes), never across a network.
    if (loginUrl.protocol !== 'https:' && !isLoopbackHttp(loginUrl)) {
      throw new PermanentError('ERR_TOKEN_LOGIN_INSECURE_URL', {
        reason: 'auth',
        message: `Connection ${connectionId} would send its password to ${loginUrl.origin} unencrypted; use an https base URL.`,
      });
    }
    const payload = await body();
    const sentAt = clock.now();
    let response: Response;
    let text: string;
    try {
      response = await send(loginUrl.href, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      // Causes are dropped on purpose: a fetch error can quote the request, and the request holds the password.
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new RetryableError('ERR_TOKEN_LOGIN_UNREACHABLE', {
        ...(timedOut ? { reason: 'timeout' as const } : {}),
        message: `Could not reach the login endpoint of connection ${connectionId}${timedOut ? ' in time' : ''}; the call will be retried.`,
      });
    }
    if (!response.ok) throw loginFailed(response);
    const token = tokenIn(text);
    if (token === undefined) {
      throw new PermanentError('ERR_TOKEN_LOGIN_RESPONSE_INVALID', {
        reason: 'auth',
        message: `The login endpoint of connection ${connectionId} answered without a "${scheme.tokenField}" token.`,
      });
    }
    // Counted from when the request left: the token may be older than it looks, never younger.
    current = { token, expiresAt: sentAt + lifetimeMs };
    return token;
  }

  function tokenIn(text: string): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    const token = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[scheme.tokenField] : undefined;
    // A header value cannot carry a line break; such a "token" is not one.
    return typeof token === 'string' && token !== '' && !/[\r\n\0]/.test(token) ? token : undefined;
  }

  // The vendor's words are left out: a login endpoint may echo the user name it was sent.
  function loginFailed(response: Response): Error {
    const { status } = response;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after') ?? undefined, clock.now());
      return new RateLimitedError('ERR_TOKEN_LOGIN_RATE_LIMITED', {
        status,
        message: `The login endpoint of connection ${connectionId} is rate-limiting us.`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    if (status >= 500 || status === 408) {
      return new RetryableError('ERR_TOKEN_LOGIN_ENDPOINT_DOWN', {
        status,
        message: `The login endpoint of connection ${connectionId} is failing (HTTP ${status}); the call will be retried.`,
      });
    }
    return new AuthError('ERR_TOKEN_LOGIN_REJECTED', {
      status,
      message: REFUSED_STATUSES.has(status)
        ? `The login endpoint refused the user name or password of connection ${connectionId} (HTTP ${status}); check its "username" and "password" secrets.`
        : `The login endpoint of connection ${connectionId} answered HTTP ${status}; check the connection's base URL and secrets.`,
    });
  }

  return {
    async accessToken() {
      if (current !== undefined && usable(current)) return current.token;
      // Single-flight: every caller that arrives while a login runs awaits that same login.
      inflight ??= login().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },

    invalidate(rejectedToken) {
      if (current?.token === rejectedToken) current = undefined;
    },
  };
}

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost');
}
