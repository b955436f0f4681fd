import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { AuthError, RetryableError, isConnectorError, oauth2AuthorizationCode, oauth2ClientCredentials } from '@weft/sdk';
import { createManualClock } from '../../core/clock.ts';
import { runAuthorizationCodeFlow } from './connect-flow.ts';
import { createMemoryTokenStore, createOAuth2Client } from './oauth2.ts';
import type { OAuth2ClientOptions, TokenSet, TokenStore } from './oauth2.ts';
import { ACCESS_TOKEN_TTL_S, TEST_CLIENT_ID, TEST_CLIENT_SECRET, browse, startTestProvider } from './test-provider.ts';
import type { TestProvider } from './test-provider.ts';

const TTL_MS = ACCESS_TOKEN_TTL_S * 1000;

function secrets(values: Record<string, string>) {
  return { get: async (name: string) => values[name] };
}

describe('OAuth 2 client against oidc-provider', () => {
  let idp: TestProvider;
  before(async () => {
    idp = await startTestProvider();
  });
  after(async () => {
    await idp.close();
  });
  beforeEach(() => {
    idp.consent = 'grant';
  });

  function clientCredentialsClient(overrides: Partial<OAuth2ClientOptions> = {}) {
    const clock = createManualClock(Date.now());
    const tokens = createMemoryTokenStore();
    const client = createOAuth2Client({
      connectionId: 'warehouse',
      scheme: oauth2ClientCredentials({ tokenUrl: idp.tokenUrl, scopes: ['api:read'] }),
      credentials: secrets({ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET }),
      tokens,
      clock,
      skewMs: 500,
      ...overrides,
    });
    return { client, clock, tokens };
  }

  /** A connection that has been through `weft connect`, holding a refresh token from the provider. */
  async function connectedClient(tokens: TokenStore = createMemoryTokenStore()) {
    const clock = createManualClock(Date.now());
    const client = createOAuth2Client({
      connectionId: 'crm',
      scheme: oauth2AuthorizationCode({ authorizationUrl: idp.authorizationUrl, tokenUrl: idp.tokenUrl, scopes: ['api:read'], pkce: true }),
      credentials: secrets({ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET }),
      tokens,
      clock,
      skewMs: 500,
      issuer: idp.issuer,
      rotationWaitMs: 10,
    });
    await runAuthorizationCodeFlow({ client, timeoutMs: 10_000, openUrl: (url) => void browse(url) });
    return { client, clock, tokens };
  }

  it('gets a client credentials token and reuses it while it is fresh', async () => {
    const { client, tokens } = clientCredentialsClient();
    const requestsBefore = idp.tokenRequests;
    const token = await client.accessToken();
    assert.equal(typeof token, 'string');
    assert.equal(await client.accessToken(), token);
    assert.equal(idp.tokenRequests - requestsBefore, 1);
    const stored = await tokens.load('warehouse');
    assert.equal(stored?.accessToken, token);
    assert.equal(stored?.tokenType, 'bearer');
    assert.equal(stored?.scope, 'api:read');
  });

  it('sends one token request for 50 callers waiting on an expired client credentials token', async () => {
    const { client, clock } = clientCredentialsClient();
    const first = await client.accessToken();
    clock.advance(TTL_MS + 1);
    const requestsBefore = idp.tokenRequests;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.accessToken()));
    assert.equal(idp.tokenRequests - requestsBefore, 1);
    assert.equal(new Set(tokens).size, 1);
    assert.notEqual(tokens[0], first);
  });

  it('sends one refresh for 50 callers waiting on an expired authorization code token', async () => {
    const { client, clock } = await connectedClient();
    await client.accessToken();
    clock.advance(TTL_MS + 1);
    const requestsBefore = idp.tokenRequests;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.accessToken()));
    assert.equal(idp.tokenRequests - requestsBefore, 1);
    assert.equal(new Set(tokens).size, 1);
  });

  it('refreshes inside the skew window, before the token expires', async () => {
    const { client, clock } = clientCredentialsClient();
    const first = await client.accessToken();
    const requestsBefore = idp.tokenRequests;
    clock.advance(TTL_MS - 600);
    assert.equal(await client.accessToken(), first, 'outside the 500 ms skew the cached token is used');
    assert.equal(idp.tokenRequests, requestsBefore);
    clock.advance(200);
    const second = await client.accessToken();
    assert.notEqual(second, first, 'inside the skew, still before expiry, a new token is fetched');
    assert.equal(idp.tokenRequests - requestsBefore, 1);
  });

  it('caps the skew at half a short token lifetime, so a fresh token is not refreshed at once', async () => {
    const { client } = clientCredentialsClient({ skewMs: 60_000 });
    const first = await client.accessToken();
    const requestsBefore = idp.tokenRequests;
    assert.equal(await client.accessToken(), first);
    assert.equal(idp.tokenRequests, requestsBefore);
  });

  it('persists a rotated refresh token before using it; the provider then refuses the old one', async () => {
    const { client, clock, tokens } = await connectedClient();
    const before = (await tokens.load('crm')) as TokenSet;
    assert.ok(before.refreshToken);
    clock.advance(TTL_MS + 1);
    const token = await client.accessToken();
    const after = (await tokens.load('crm')) as TokenSet;
    assert.equal(after.accessToken, token);
    assert.ok(after.refreshToken);
    assert.notEqual(after.refreshToken, before.refreshToken);

    const replay = await fetch(idp.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${TEST_CLIENT_ID}:${TEST_CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before.refreshToken }),
    });
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
  });

  it('keeps a rotated set whose save failed unused, and stores it on the next call without a new refresh', async () => {
    const memory = createMemoryTokenStore();
    let failNextSave = false;
    const flaky: TokenStore = {
      load: (id) => memory.load(id),
      save: async (id, set) => {
        if (failNextSave) {
          failNextSave = false;
          throw new Error('disk full');
        }
        await memory.save(id, set);
      },
    };
    const { client, clock } = await connectedClient(flaky);
    const before = (await memory.load('crm')) as TokenSet;
    clock.advance(TTL_MS + 1);
    failNextSave = true;
    await assert.rejects(client.accessToken(), (error: unknown) => {
      assert.ok(error instanceof RetryableError);
      assert.equal(error.code, 'ERR_OAUTH_TOKEN_SAVE_FAILED');
      return true;
    });
    assert.equal((await memory.load('crm'))?.refreshToken, before.refreshToken, 'nothing half-written');

    const requestsBefore = idp.tokenRequests;
    const token = await client.accessToken();
    assert.equal(idp.tokenRequests, requestsBefore, 'the kept set is saved, not refreshed again');
    const stored = (await memory.load('crm')) as TokenSet;
    assert.equal(stored.accessToken, token);
    assert.notEqual(stored.refreshToken, before.refreshToken);
  });

  it('says to run weft connect again when the refresh token was revoked, once a retry found no newer one', async () => {
    const { client, clock, tokens } = await connectedClient();
    const stored = (await tokens.load('crm')) as TokenSet;
    const refreshToken = await idp.provider.RefreshToken.find(stored.refreshToken as string);
    assert.ok(refreshToken);
    await refreshToken.destroy();
    clock.advance(TTL_MS + 1);
    await assert.rejects(client.accessToken(), { code: 'ERR_OAUTH_REFRESH_REJECTED_ONCE', retryable: true });
    await assert.rejects(client.accessToken(), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'ERR_OAUTH_REFRESH_REJECTED');
      assert.equal(error.message, 'The refresh token for connection crm was revoked or expired; run `weft connect crm` again.');
      return true;
    });
  });

  it('refreshes once after invalidate(), and ignores invalidating a token that is no longer current', async () => {
    const { client } = clientCredentialsClient();
    const first = await client.accessToken();
    const requestsBefore = idp.tokenRequests;
    client.invalidate(first);
    client.invalidate(first);
    const second = await client.accessToken();
    assert.notEqual(second, first);
    client.invalidate(first);
    assert.equal(await client.accessToken(), second);
    assert.equal(idp.tokenRequests - requestsBefore, 1);
  });

  it('asks for weft connect when an authorization code connection has no tokens yet', async () => {
    const client = createOAuth2Client({
      connectionId: 'crm',
      scheme: oauth2AuthorizationCode({ authorizationUrl: idp.authorizationUrl, tokenUrl: idp.tokenUrl, pkce: true }),
      credentials: secrets({ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET }),
      tokens: createMemoryTokenStore(),
      clock: createManualClock(),
    });
    await assert.rejects(client.accessToken(), { code: 'ERR_OAUTH_NOT_CONNECTED', message: 'Connection crm has not been authorized yet; run `weft connect crm`.' });
  });

  it('never puts a secret in an error (canary)', async () => {
    const canary = 'CANARY-9f3c1d-secret-value';
    const { client } = clientCredentialsClient({ credentials: secrets({ clientId: TEST_CLIENT_ID, clientSecret: canary }) });
    const error = await client.accessToken().then(
      () => assert.fail('a wrong client secret must be refused'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof AuthError);
    assert.equal((error as AuthError).code, 'ERR_OAUTH_CLIENT_REJECTED');
    for (const rendering of [inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), String(error), String((error as Error).stack)]) {
      assert.ok(!rendering.includes(canary), 'the client secret leaked');
      assert.ok(!rendering.includes(Buffer.from(`${TEST_CLIENT_ID}:${canary}`).toString('base64')), 'the basic credentials leaked');
    }

    const { client: connected, clock, tokens } = await connectedClient();
    const stored = (await tokens.load('crm')) as TokenSet;
    const refreshToken = await idp.provider.RefreshToken.find(stored.refreshToken as string);
    await refreshToken?.destroy();
    clock.advance(TTL_MS + 1);
    for (const attempt of ['first refusal', 'second refusal']) {
      const revoked = await connected.accessToken().then(
        () => assert.fail('a revoked refresh token must be refused'),
        (failure: unknown) => failure,
      );
      const rendering = inspect(revoked, { depth: 10, showHidden: true });
      assert.ok(!rendering.includes(stored.refreshToken as string), `the refresh token leaked (${attempt})`);
      assert.ok(!rendering.includes(stored.accessToken), `the access token leaked (${attempt})`);
      assert.ok(!rendering.includes(TEST_CLIENT_SECRET), `the client secret leaked (${attempt})`);
    }
  });
});

describe('OAuth 2 client when the token endpoint fails', () => {
  it('turns a 5xx into a RetryableError', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(503, { 'content-type': 'text/html' });
      response.end('<h1>maintenance</h1>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createOAuth2Client({
        connectionId: 'warehouse',
        scheme: oauth2ClientCredentials({ tokenUrl: `http://127.0.0.1:${port}/token` }),
        credentials: secrets({ clientId: 'id', clientSecret: 'secret' }),
        tokens: createMemoryTokenStore(),
        clock: createManualClock(),
      });
      await assert.rejects(client.accessToken(), (error: unknown) => {
        assert.ok(isConnectorError(error) && error.retryable);
        assert.equal(error.code, 'ERR_OAUTH_TOKEN_ENDPOINT_DOWN');
        assert.equal(error.status, 503);
        return true;
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('turns an unreachable endpoint into a RetryableError', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = createOAuth2Client({
      connectionId: 'warehouse',
      scheme: oauth2ClientCredentials({ tokenUrl: `http://127.0.0.1:${port}/token` }),
      credentials: secrets({ clientId: 'id', clientSecret: 'secret' }),
      tokens: createMemoryTokenStore(),
      clock: createManualClock(),
    });
    await assert.rejects(client.accessToken(), { code: 'ERR_OAUTH_TOKEN_ENDPOINT_UNREACHABLE', retryable: true });
  });
});

describe('OAuth 2 refreshes racing in two processes', () => {
  /** A provider that rotates refresh tokens: each is good for one refresh, then invalid_grant. */
  async function startRotatingProvider() {
    let issued = 0;
    const valid = new Set(['rt-0']);
    const refused: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const refreshToken = new URLSearchParams(body).get('refresh_token') ?? '';
        if (!valid.delete(refreshToken)) {
          refused.push(refreshToken);
          response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
          return;
        }
        issued++;
        valid.add(`rt-${issued}`);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `at-${issued}`, refresh_token: `rt-${issued}`, token_type: 'Bearer', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
      refused,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  function processClient(tokenUrl: string, tokens: TokenStore) {
    return createOAuth2Client({
      connectionId: 'crm',
      scheme: oauth2AuthorizationCode({ authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl, pkce: true }),
      credentials: secrets({ clientId: 'weft', clientSecret: 'secret' }),
      tokens,
      clock: createManualClock(Date.now()),
      rotationWaitMs: 50,
    });
  }

  const expired: TokenSet = { accessToken: 'at-0', refreshToken: 'rt-0', tokenType: 'bearer', expiresAt: Date.now() - 1_000 };

  it('a refresh refused because another process rotated the token takes its set once that is saved', async () => {
    const provider = await startRotatingProvider();
    const memory = createMemoryTokenStore({ crm: expired });
    // Process A's save of the rotated set is still committing when B's refusal comes back, and
    // when B first reads the store again: it lands only after that read.
    let commitSave: () => void = () => {};
    let saveStarted: () => void = () => {};
    const saving = new Promise<void>((resolve) => (saveStarted = resolve));
    const slowSaves: TokenStore = {
      load: async (id) => {
        const set = await memory.load(id);
        if (provider.refused.length > 0) commitSave();
        return set;
      },
      save: async (id, set) => {
        saveStarted();
        await new Promise<void>((resolve) => (commitSave = resolve));
        await memory.save(id, set);
      },
    };
    try {
      const a = processClient(provider.tokenUrl, slowSaves);
      const b = processClient(provider.tokenUrl, slowSaves);
      const tokenA = a.accessToken();
      await saving;
      const tokenB = await b.accessToken();
      assert.deepEqual(provider.refused, ['rt-0'], "B's refresh was refused: A had rotated the token");
      assert.equal(await tokenA, 'at-1');
      assert.equal(tokenB, 'at-1', "B uses A's set instead of declaring the connection revoked");
    } finally {
      await provider.close();
    }
  });

  it('a refusal with no newer set in the store is retried once before it is final', async () => {
    const provider = await startRotatingProvider();
    const tokens = createMemoryTokenStore({ crm: { ...expired, refreshToken: 'rt-revoked' } });
    try {
      const client = processClient(provider.tokenUrl, tokens);
      await assert.rejects(client.accessToken(), (error: unknown) => {
        assert.ok(error instanceof RetryableError);
        assert.equal(error.code, 'ERR_OAUTH_REFRESH_REJECTED_ONCE');
        return true;
      });
      await assert.rejects(client.accessToken(), (error: unknown) => {
        assert.ok(error instanceof AuthError);
        assert.equal(error.code, 'ERR_OAUTH_REFRESH_REJECTED');
        return true;
      });
      assert.equal(provider.refused.length, 2);
    } finally {
      await provider.close();
    }
  });
});
