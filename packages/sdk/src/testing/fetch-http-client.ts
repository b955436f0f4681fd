import type { AuthScheme, TokenLoginAuth } from '../auth.ts';
import type { HttpClient } from '../context.ts';
import { AuthError, RetryableError, errorFromResponse, type ConnectorError } from '../errors.ts';
import type { HttpRequest, HttpResponse, QueryValue } from '../request.ts';
import { encodeForm, type FormValue } from '../protocols/form.ts';
import { encodeMultipart, type MultipartPart } from '../protocols/multipart.ts';

/**
 * A small HttpClient on global fetch, for connector tests against a sandbox. The engine's client
 * does much more (vault, rate limits, egress guard, audit); this one does what a test needs to
 * see a connector's requests and errors as the engine would: base URL, static auth, body
 * encoding, a timeout, and the same error mapping (the action's `errors` hook, then
 * `errorFromResponse`).
 */

export type ErrorsHook = (response: HttpResponse) => ConnectorError | undefined;

/** An HttpClient that also takes the action's `errors` hook per request. */
export interface TestHttpClient extends HttpClient {
  request(request: HttpRequest, options?: { errors?: ErrorsHook; signal?: AbortSignal }): Promise<HttpResponse & { url: string }>;
}

export interface TestHttpClientOptions {
  /** Joined with each request's path, so it may carry a path prefix (`https://host/api/v2`). */
  baseUrl: string;
  /** Sent with every request, e.g. from `authFromCredentials`. */
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Per request, body included. Default 10 s. */
  timeoutMs?: number;
  /** For Retry-After dates, and a token login's expiry. */
  now?: () => number;
  /**
   * Logs in before the first request (POST `scheme.path` under baseUrl), sends the token as
   * Bearer, logs in again when the token's lifetime is nearly over or a request gets a 401 (once).
   */
  tokenLogin?: TestTokenLogin;
}

/** A token-login scheme and the credentials its body fields name (`username`, `password`). */
export interface TestTokenLogin {
  scheme: TokenLoginAuth;
  credentials: Record<string, string>;
}

// Log in again this long before the declared expiry (at most half the lifetime), as the engine does.
const TOKEN_LOGIN_SKEW_MS = 60_000;

const DEFAULT_TIMEOUT_MS = 10_000;

export function createTestHttpClient(options: TestHttpClientOptions): TestHttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  let session: { token: string; refreshAt: number } | undefined;
  let loggingIn: Promise<string> | undefined;

  async function exchange(request: HttpRequest, signal: AbortSignal | undefined, authorization: string | undefined) {
    const url = requestUrl(options.baseUrl, request, options.query ?? {});
    const { body, contentType } = encodeBody(request);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...request.headers };
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (authorization !== undefined) headers.authorization = authorization;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      });
      // Inside the try: a body that trickles past the timeout is a timeout too.
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) {
        throw new RetryableError(undefined, {
          reason: 'timeout',
          message: `The destination did not answer within ${timeoutMs}ms (${request.method} ${url.pathname})`,
          cause: error,
        });
      }
      if (signal?.aborted === true) throw error;
      throw new RetryableError(undefined, { message: `Could not reach the destination: ${(error as Error).message}`, cause: error });
    }
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    return { status: response.status, headers: responseHeaders, body: parseBody(responseHeaders['content-type'], text), text, url: url.href };
  }

  async function login({ scheme, credentials }: TestTokenLogin, signal: AbortSignal | undefined): Promise<string> {
    const body = Object.fromEntries(Object.entries(scheme.body).map(([field, credential]) => [field, credentials[credential] ?? '']));
    const sentAt = now();
    const answer = await exchange({ method: 'POST', path: scheme.path, body }, signal, undefined);
    if (answer.status >= 300) {
      // Refused credentials are an auth problem whatever status the vendor picks for them; the
      // vendor's words are left out, as a login endpoint may echo what it was sent.
      if ([400, 401, 403, 422].includes(answer.status)) {
        throw new AuthError(undefined, { status: answer.status, message: `The login endpoint refused the connection's credentials (HTTP ${answer.status})` });
      }
      throw errorFromResponse({ ...answer, now: now() });
    }
    const token = (answer.body as Record<string, unknown> | null)?.[scheme.tokenField];
    if (typeof token !== 'string' || token === '') {
      throw new AuthError(undefined, { status: answer.status, message: `The login answer has no "${scheme.tokenField}" token` });
    }
    const lifetimeMs = scheme.lifetimeSeconds * 1000;
    session = { token, refreshAt: sentAt + lifetimeMs - Math.min(TOKEN_LOGIN_SKEW_MS, lifetimeMs / 2) };
    return token;
  }

  async function currentToken(tokenLogin: TestTokenLogin, signal: AbortSignal | undefined): Promise<string> {
    if (session !== undefined && now() < session.refreshAt) return session.token;
    // One login for every request waiting on it.
    loggingIn ??= (async () => {
      try {
        return await login(tokenLogin, signal);
      } finally {
        loggingIn = undefined;
      }
    })();
    return loggingIn;
  }

  return {
    async request(request, { errors, signal } = {}) {
      const { tokenLogin } = options;
      let result;
      if (tokenLogin === undefined) {
        result = await exchange(request, signal, undefined);
      } else {
        const token = await currentToken(tokenLogin, signal);
        result = await exchange(request, signal, `Bearer ${token}`);
        if (result.status === 401) {
          // The token expired early or was revoked: log in again and retry once, never more.
          if (session?.token === token) session = undefined;
          result = await exchange(request, signal, `Bearer ${await currentToken(tokenLogin, signal)}`);
        }
      }
      const failure = errors?.(result) ?? (result.status >= 200 && result.status < 300 ? undefined : errorFromResponse({ ...result, now: now() }));
      if (failure !== undefined) throw failure;
      return result;
    },
  };
}

/**
 * Static auth from a connection's credentials, by the first of the connector's schemes whose
 * credentials are present: `token` (bearer, or an already-issued token-login token), `username`
 * + `password` (basic), `apiKey` (api-key), `accessToken` (either OAuth 2 scheme, an
 * already-issued token). A token-login scheme with `username` gives `tokenLogin`, which
 * createTestHttpClient performs. Request signing and OAuth token exchange are the engine's job
 * and are not faked here.
 */
export function authFromCredentials(
  schemes: readonly AuthScheme[],
  credentials: Record<string, string>,
): { headers: Record<string, string>; query: Record<string, string>; tokenLogin?: TestTokenLogin } {
  if (schemes.length === 0) return { headers: {}, query: {} };
  for (const scheme of schemes) {
    switch (scheme.kind) {
      case 'bearer':
        if (credentials.token !== undefined) return { headers: { authorization: `Bearer ${credentials.token}` }, query: {} };
        break;
      case 'basic':
        if (credentials.username !== undefined) {
          const pair = Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64');
          return { headers: { authorization: `Basic ${pair}` }, query: {} };
        }
        break;
      case 'api-key':
        if (credentials.apiKey !== undefined) {
          const value = (scheme.prefix ?? '') + credentials.apiKey;
          return scheme.in === 'header' ? { headers: { [scheme.name.toLowerCase()]: value }, query: {} } : { headers: {}, query: { [scheme.name]: value } };
        }
        break;
      case 'oauth2-client-credentials':
      case 'oauth2-authorization-code':
        if (credentials.accessToken !== undefined) return { headers: { authorization: `Bearer ${credentials.accessToken}` }, query: {} };
        break;
      case 'token-login':
        if (credentials.username !== undefined) return { headers: {}, query: {}, tokenLogin: { scheme, credentials: { ...credentials } } };
        if (credentials.token !== undefined) return { headers: { authorization: `Bearer ${credentials.token}` }, query: {} };
        break;
      case 'hmac-signing':
      case 'token-passport':
        break;
    }
  }
  const wanted = schemes.map((scheme) => scheme.kind).join(', ');
  throw new Error(`no credentials for any of the connector's auth schemes (${wanted}); give token, username/password, apiKey or accessToken`);
}

function requestUrl(baseUrl: string, request: HttpRequest, extraQuery: Record<string, string>): URL {
  const url = request.url !== undefined ? new URL(request.url) : new URL(baseUrl.replace(/\/+$/, '') + '/' + request.path.replace(/^\/+/, ''));
  for (const [name, value] of Object.entries(request.query ?? {})) appendQuery(url, name, value);
  for (const [name, value] of Object.entries(extraQuery)) url.searchParams.set(name, value);
  return url;
}

function appendQuery(url: URL, name: string, value: QueryValue | readonly QueryValue[] | undefined): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) url.searchParams.append(name, String(item));
  } else {
    // A pagination strategy re-sends the first request's query with a new cursor: set, not append.
    url.searchParams.set(name, String(value));
  }
}

function encodeBody(request: HttpRequest): { body?: string | Uint8Array<ArrayBuffer>; contentType?: string } {
  if (request.body === undefined) return {};
  const encoding: NonNullable<HttpRequest['bodyEncoding']> = request.bodyEncoding ?? 'json';
  switch (encoding) {
    case 'json':
      return { body: JSON.stringify(request.body), contentType: 'application/json' };
    case 'form':
      return { body: encodeForm(request.body as Record<string, FormValue>), contentType: 'application/x-www-form-urlencoded' };
    case 'multipart': {
      const { body, contentType } = encodeMultipart(request.body as MultipartPart[]);
      return { body: new Uint8Array(body), contentType };
    }
    case 'raw':
      if (typeof request.body !== 'string' && !(request.body instanceof Uint8Array)) {
        throw new TypeError('a raw request body must be a string or bytes');
      }
      // The content type comes from the request's own headers.
      return { body: typeof request.body === 'string' ? request.body : new Uint8Array(request.body) };
  }
}

function parseBody(contentType: string | undefined, text: string): unknown {
  if (text === '' || !/[/+]json\b/i.test(contentType ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
