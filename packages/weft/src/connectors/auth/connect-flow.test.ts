import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError, oauth2AuthorizationCode } from '@weft/sdk';
import { createManualClock } from '../../core/clock.ts';
import { runAuthorizationCodeFlow } from './connect-flow.ts';
import { createMemoryTokenStore, createOAuth2Client } from './oauth2.ts';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, browse, startTestProvider } from './test-provider.ts';
import type { TestProvider } from './test-provider.ts';

describe('runAuthorizationCodeFlow (weft connect) against oidc-provider', () => {
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

  function crmClient(options: { issuer?: string } = {}) {
    const tokens = createMemoryTokenStore();
    const client = createOAuth2Client({
      connectionId: 'crm',
      scheme: oauth2AuthorizationCode({ authorizationUrl: idp.authorizationUrl, tokenUrl: idp.tokenUrl, scopes: ['api:read'], pkce: true }),
      credentials: { get: async (name) => ({ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET })[name] },
      tokens,
      clock: createManualClock(Date.now()),
      issuer: options.issuer ?? idp.issuer,
    });
    return { client, tokens };
  }

  it('opens the consent URL with state and PKCE, catches the callback, saves tokens, and tells the browser', async () => {
    const { client, tokens } = crmClient();
    let consentUrl: URL | undefined;
    let page: Promise<{ status: number; url: URL; text: string }> | undefined;
    const summary = await runAuthorizationCodeFlow({
      client,
      timeoutMs: 10_000,
      openUrl: (url) => {
        consentUrl = url;
        page = browse(url);
      },
    });
    assert.ok(consentUrl);
    assert.equal(consentUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.match(consentUrl.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok((consentUrl.searchParams.get('state') ?? '').length >= 32);
    assert.match(consentUrl.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const landed = await page;
    assert.equal(landed?.status, 200);
    assert.match(landed?.text ?? '', /connected to crm\. You can close this tab/);

    assert.equal(summary.connectionId, 'crm');
    assert.equal(summary.hasRefreshToken, true);
    assert.equal(summary.scope, 'api:read');
    assert.ok(!JSON.stringify(summary).includes((await tokens.load('crm'))?.accessToken as string), 'the summary carries no token');
    const stored = await tokens.load('crm');
    assert.ok(stored?.refreshToken);
    assert.equal(await client.accessToken(), stored.accessToken);
  });

  it('refuses a callback without the right state and keeps waiting for the real one', async () => {
    const { client } = crmClient();
    const summary = await runAuthorizationCodeFlow({
      client,
      timeoutMs: 10_000,
      openUrl: async (url) => {
        const forged = new URL(url.searchParams.get('redirect_uri') as string);
        forged.searchParams.set('code', 'forged-code');
        forged.searchParams.set('state', 'not-the-state');
        const refused = await fetch(forged);
        assert.equal(refused.status, 400);
        await refused.text();
        void browse(url);
      },
    });
    assert.equal(summary.hasRefreshToken, true);
  });

  it('rejects when the user denies consent', async () => {
    idp.consent = 'deny';
    const { client, tokens } = crmClient();
    await assert.rejects(runAuthorizationCodeFlow({ client, timeoutMs: 10_000, openUrl: (url) => void browse(url) }), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'ERR_OAUTH_CONSENT_FAILED');
      assert.equal(error.message, 'Connection crm was not authorized: access was denied at the consent screen.');
      return true;
    });
    assert.equal(await tokens.load('crm'), undefined);
  });

  it('rejects a callback from another issuer (RFC 9207)', async () => {
    const { client } = crmClient({ issuer: 'https://login.example.com' });
    await assert.rejects(runAuthorizationCodeFlow({ client, timeoutMs: 10_000, openUrl: (url) => void browse(url) }), { code: 'ERR_OAUTH_ISSUER_MISMATCH' });
  });

  it('rejects when nobody signs in before the timeout, and frees the port', async () => {
    const { client } = crmClient();
    let redirectUri = '';
    await assert.rejects(
      runAuthorizationCodeFlow({
        client,
        timeoutMs: 50,
        openUrl: (url) => {
          redirectUri = url.searchParams.get('redirect_uri') as string;
        },
      }),
      { code: 'ERR_OAUTH_CONNECT_TIMEOUT', message: 'Sign-in for connection crm was not completed within 1 s; run `weft connect crm` again.' },
    );
    await assert.rejects(fetch(redirectUri), 'the loopback server is closed');
  });
});
