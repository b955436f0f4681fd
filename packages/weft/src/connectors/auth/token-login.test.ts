import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { AuthError, PermanentError, RateLimitedError, RetryableError, tokenLogin } from '@weft/sdk';
import { createManualClock } from '../../core/clock.ts';
import { applyAuth } from './apply-auth.ts';
import { createConnectionAuth } from './connection-auth.ts';
import { createTokenLoginClient, type TokenLoginClientOptions } from './token-login.ts';

// Shiprocket's declaration (10-day tokens), against a login endpoint this file serves.
const LIFETIME_S = 864_000;
const scheme = tokenLogin({ path: '/v1/external/auth/login', body: { email: 'username', password: 'password' }, tokenField: 'token', lifetimeSeconds: LIFETIME_S });
const USER = 'api-user@example.com';
const PASSWORD = 'pa55-Very-Secret';

function secrets(values: Record<string, string>) {
  return { get: async (name: string) => values[name] };
}

interface LoginEndpoint {
  url: string;
  logins: { body: unknown; contentType: string | undefined }[];
  /** Tokens issued so far; the next is `jwt-<issued + 1>`. */
  issued: number;
  /** The next answers, in order; when empty, a fresh token for the right credentials. */
  script: { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }[];
  close(): Promise<void>;
}

async function startLoginEndpoint(): Promise<LoginEndpoint> {
  const endpoint: Omit<LoginEndpoint, 'url' | 'close'> = { issued: 0, logins: [], script: [] };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { email?: string; password?: string };
      endpoint.logins.push({ body, contentType: req.headers['content-type'] });
      const scripted = endpoint.script.shift();
      if (scripted?.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      const answer =
        scripted ??
        (body.email === USER && body.password === PASSWORD
          ? { status: 200, body: { id: 1, email: USER, company_id: 7, token: `jwt-${++endpoint.issued}` } }
          : { status: 400, body: { message: 'Invalid email and password combination', status_code: 400 } });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...scripted?.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(endpoint, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

describe('token-login client', () => {
  let endpoint: LoginEndpoint;
  before(async () => {
    endpoint = await startLoginEndpoint();
  });
  after(() => endpoint.close());
  beforeEach(() => {
    endpoint.issued = 0;
    endpoint.logins.length = 0;
    endpoint.script.length = 0;
  });

  function client(overrides: Partial<TokenLoginClientOptions> = {}) {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const login = createTokenLoginClient({
      connectionId: 'shipping',
      scheme,
      baseUrl: `${endpoint.url}/`,
      credentials: secrets({ username: USER, password: PASSWORD }),
      clock,
      ...overrides,
    });
    return { login, clock };
  }

  it('logs in with the declared body fields as JSON and reuses the token while it is fresh', async () => {
    const { login, clock } = client();
    assert.equal(await login.accessToken(), 'jwt-1');
    clock.advance((LIFETIME_S - 120) * 1000);
    assert.equal(await login.accessToken(), 'jwt-1');
    assert.deepEqual(endpoint.logins, [{ body: { email: USER, password: PASSWORD }, contentType: 'application/json' }]);
  });

  it('logs in again shortly before the declared lifetime ends', async () => {
    const { login, clock } = client();
    await login.accessToken();
    clock.advance((LIFETIME_S - 30) * 1000);
    assert.equal(await login.accessToken(), 'jwt-2');
    assert.equal(endpoint.logins.length, 2);
  });

  it('sends one login for 30 callers waiting at once', async () => {
    const { login } = client();
    endpoint.script.push({ status: 200, body: { token: 'shared' }, delayMs: 50 });
    const tokens = await Promise.all(Array.from({ length: 30 }, () => login.accessToken()));
    assert.deepEqual(new Set(tokens), new Set(['shared']));
    assert.equal(endpoint.logins.length, 1);
  });

  it('logs in again after the current token was rejected, and ignores a rejection of an older token', async () => {
    const { login } = client();
    const first = await login.accessToken();
    login.invalidate(first);
    const second = await login.accessToken();
    assert.notEqual(second, first);
    login.invalidate(first);
    assert.equal(await login.accessToken(), second);
    assert.equal(endpoint.logins.length, 2);
  });

  it('turns refused credentials into an AuthError that names neither the user nor the password', async () => {
    const { login } = client({ credentials: secrets({ username: USER, password: 'wrong' }) });
    const error = await login.accessToken().then(() => assert.fail('expected a refusal'), (caught: unknown) => caught);
    assert.ok(error instanceof AuthError);
    assert.equal(error.code, 'ERR_TOKEN_LOGIN_REJECTED');
    assert.equal(error.status, 400);
    const shown = inspect(error, { depth: 5 });
    assert.ok(!shown.includes(USER) && !shown.includes('wrong') && !shown.includes(PASSWORD), shown);
  });

  it('names a missing secret before sending anything', async () => {
    const { login } = client({ credentials: secrets({ username: USER }) });
    await assert.rejects(login.accessToken(), (error: unknown) => error instanceof AuthError && error.code === 'ERR_AUTH_MISSING_SECRET' && /"password"/.test(error.message));
    assert.equal(endpoint.logins.length, 0);
  });

  it('classifies a throttled, failing or tokenless login endpoint', async () => {
    const { login } = client();
    endpoint.script.push({ status: 429, body: { message: 'Too Many Attempts.' }, headers: { 'retry-after': '30' } });
    await assert.rejects(login.accessToken(), (error: unknown) => error instanceof RateLimitedError && error.retryAfterMs === 30_000);
    endpoint.script.push({ status: 502, body: { message: 'Bad Gateway' } });
    await assert.rejects(login.accessToken(), (error: unknown) => error instanceof RetryableError && error.code === 'ERR_TOKEN_LOGIN_ENDPOINT_DOWN' && error.status === 502);
    endpoint.script.push({ status: 200, body: { message: 'ok' } });
    await assert.rejects(login.accessToken(), (error: unknown) => error instanceof PermanentError && error.code === 'ERR_TOKEN_LOGIN_RESPONSE_INVALID');
    // A failed login leaves nothing behind: the next call logs in afresh.
    assert.equal(await login.accessToken(), 'jwt-1');
  });

  it('times out a login endpoint that does not answer, as a retryable timeout', async () => {
    const { login } = client({ timeoutMs: 50 });
    endpoint.script.push({ status: 200, body: { token: 'late' }, delayMs: 300 });
    await assert.rejects(login.accessToken(), (error: unknown) => error instanceof RetryableError && error.code === 'ERR_TOKEN_LOGIN_UNREACHABLE' && error.reason === 'timeout');
  });

  it('refuses to send the password over plain http to anything but loopback', async () => {
    const { login } = client({ baseUrl: 'http://apiv2.shiprocket.example' });
    await assert.rejects(login.accessToken(), (error: unknown) => error instanceof PermanentError && error.code === 'ERR_TOKEN_LOGIN_INSECURE_URL');
  });
});

describe('token-login in applyAuth and the connection authorizer', () => {
  it('puts the session token on the request as a bearer token, and needs a token source', async () => {
    const request = { url: new URL('https://apiv2.shiprocket.in/v1/external/orders'), method: 'GET', headers: { Authorization: 'stale' } };
    await applyAuth(request, scheme, secrets({}), Date.now(), { accessToken: async () => 'jwt-9' });
    assert.deepEqual(request.headers, { authorization: 'Bearer jwt-9' });
    await assert.rejects(applyAuth({ ...request, headers: {} }, scheme, secrets({}), Date.now()), TypeError);
  });

  it('refresh() forgets the token the refused request carried, so a retry after a 401 logs in again', async () => {
    const tokens = ['jwt-a', 'jwt-b'];
    const invalidated: string[] = [];
    let current = tokens.shift()!;
    const auth = createConnectionAuth({
      scheme,
      credentials: secrets({}),
      clock: createManualClock(),
      tokenLogin: {
        accessToken: async () => current,
        invalidate: (token) => {
          invalidated.push(token);
          current = tokens.shift() ?? current;
        },
      },
    });
    const first = { url: new URL('https://apiv2.shiprocket.in/x'), method: 'GET', headers: {} as Record<string, string> };
    const used = await auth.authorize(first);
    assert.equal(first.headers.authorization, 'Bearer jwt-a');
    assert.equal(await auth.refresh(used), true);
    const retry = { url: new URL('https://apiv2.shiprocket.in/x'), method: 'GET', headers: {} as Record<string, string> };
    await auth.authorize(retry);
    assert.equal(retry.headers.authorization, 'Bearer jwt-b');
    assert.deepEqual(invalidated, ['jwt-a']);
  });
});
