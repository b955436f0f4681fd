/**
 * A real OAuth 2 authorization server for tests: oidc-provider on 127.0.0.1 with one client that
 * may use client credentials, authorization code with PKCE, and refresh tokens that rotate on
 * every use. Access tokens live 2 s. A headless "browser" drives the consent screen.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const TEST_CLIENT_ID = 'weft-test-client';
export const TEST_CLIENT_SECRET = 'test-client-secret-0123456789abcdef';
export const ACCESS_TOKEN_TTL_S = 2;

export interface TestProvider {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  provider: Provider;
  /** Requests that reached the token endpoint. */
  tokenRequests: number;
  /** The consent screen's answer for the next interactions. */
  consent: 'grant' | 'deny';
  close(): Promise<void>;
}

export async function startTestProvider(): Promise<TestProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        // Native: RFC 8252 loopback redirects, any port (the connect flow listens on port 0).
        application_type: 'native',
        grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'api:read offline_access',
      },
    ],
    scopes: ['api:read', 'offline_access'],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    pkce: { required: () => true, methods: ['S256'] },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      ClientCredentials: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: 60,
      RefreshToken: 3600,
      Interaction: 300,
      Session: 3600,
      Grant: 3600,
    },
    cookies: { keys: ['test-cookie-signing-key'] },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }] as never },
    findAccount: async (_ctx, accountId) => ({ accountId, claims: async () => ({ sub: accountId }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  const state: TestProvider = {
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    provider,
    tokenRequests: 0,
    consent: 'grant',
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const callback = provider.callback();
  server.on('request', (request, response) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    if (path.startsWith('/interaction/')) {
      interact(provider, request, response, state.consent).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
      return;
    }
    if (path === '/token') state.tokenRequests += 1;
    callback(request, response);
  });
  return state;
}

/** The consent screen, answered at once: log in as "user-1" and grant what was asked. */
async function interact(
  provider: Provider,
  request: Parameters<Provider['interactionDetails']>[0],
  response: Parameters<Provider['interactionDetails']>[1],
  consent: 'grant' | 'deny',
): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  if (consent === 'deny') {
    await provider.interactionFinished(request, response, { error: 'access_denied', error_description: 'the user said no' }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(request, response, { login: { accountId: 'user-1' } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({ accountId: details.session?.accountId ?? 'user-1', clientId: String(details.params.client_id) });
  const missing = details.prompt.details as { missingOIDCScope?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(request, response, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/**
 * A browser without a screen: follows redirects with a cookie jar until a page answers, and
 * returns that page. Cookies are sent to every path of every host, which is enough here.
 */
export async function browse(start: URL): Promise<{ status: number; url: URL; text: string }> {
  const jar = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 20; hop += 1) {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie === '' ? {} : { cookie } });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const equals = pair.indexOf('=');
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    return { status: response.status, url, text: await response.text() };
  }
  throw new Error(`browse: more than 20 redirects from ${start.href}`);
}
