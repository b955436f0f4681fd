/**
 * Puts a connection's credentials on an outgoing request, as its connector's auth scheme
 * declares. Connector code never sees the secrets: the engine's HTTP client calls this last,
 * after the request is final, so a signature covers exactly the bytes that are sent.
 *
 * The vault secret names each scheme reads are declared once, in @weft/sdk's AUTH_SECRETS
 * (`weft connections add` asks for them; docs/reference/sdk.md lists them).
 *
 * Errors name the missing or unusable secret, never its value (guarantee 8).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AuthError, addTokenPassport } from '@weft/sdk';
import type { AuthScheme, HmacSigningAuth } from '@weft/sdk';

export interface AuthRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** A connection's secrets, read on demand so a request only touches the ones its scheme needs. */
export interface CredentialSource {
  get(name: string): Promise<string | undefined>;
}

/** Supplies a current access token; an `OAuth2Client` from oauth2.ts is one, a `TokenLoginClient` from token-login.ts another. */
export interface AccessTokenSource {
  accessToken(): Promise<string>;
}

/**
 * Mutates `request`. `now` (epoch ms) is the signed timestamp for hmac-signing and token-passport
 * (which rewrites the body: the passport lives in the SOAP Header). OAuth 2 and token-login
 * schemes need `oauth2`, the token source: the token lives in a per-connection client that
 * refreshes it, not in the vault.
 */
export async function applyAuth(
  request: AuthRequest,
  scheme: AuthScheme,
  credentials: CredentialSource,
  now: number,
  oauth2?: AccessTokenSource,
): Promise<void> {
  switch (scheme.kind) {
    case 'api-key': {
      const key = await secret(credentials, 'apiKey');
      if (scheme.in === 'header') setHeader(request, scheme.name, `${scheme.prefix ?? ''}${headerSafe('apiKey', key)}`);
      else request.url.searchParams.set(scheme.name, key);
      return;
    }
    case 'basic': {
      const username = await secret(credentials, 'username');
      if (username.includes(':')) {
        throw new AuthError('ERR_AUTH_BAD_SECRET', { message: 'The connection\'s "username" secret contains ":", which basic auth cannot carry.' });
      }
      const password = (await credentials.get('password')) ?? '';
      setHeader(request, 'authorization', `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`);
      return;
    }
    case 'bearer':
      setHeader(request, 'authorization', `Bearer ${headerSafe('token', await secret(credentials, 'token'))}`);
      return;
    case 'oauth2-client-credentials':
    case 'oauth2-authorization-code': {
      if (oauth2 === undefined) throw new TypeError(`applyAuth: a ${scheme.kind} scheme needs the connection's OAuth 2 client`);
      setHeader(request, 'authorization', `Bearer ${headerSafe('access token', await oauth2.accessToken())}`);
      return;
    }
    case 'token-login': {
      // The session token comes from the connection's token-login client, passed as the token source.
      if (oauth2 === undefined) throw new TypeError("applyAuth: a token-login scheme needs the connection's token-login client");
      setHeader(request, 'authorization', `Bearer ${headerSafe('session token', await oauth2.accessToken())}`);
      return;
    }
    case 'hmac-signing':
      sign(request, scheme, await secret(credentials, 'signingSecret'), now);
      return;
    case 'token-passport': {
      if (typeof request.body !== 'string') throw new TypeError('applyAuth: a token-passport scheme signs a SOAP envelope, and the request has no text body');
      const passport = {
        account: await secret(credentials, 'account'),
        consumerKey: await secret(credentials, 'consumerKey'),
        consumerSecret: await secret(credentials, 'consumerSecret'),
        tokenId: await secret(credentials, 'tokenId'),
        tokenSecret: await secret(credentials, 'tokenSecret'),
      };
      // NetSuite accepts each nonce once, even on a retry: a fresh unguessable one per request.
      request.body = addTokenPassport(request.body, scheme, passport, { nonce: randomBytes(16).toString('hex'), timestamp: Math.floor(now / 1000) });
      return;
    }
  }
}

function sign(request: AuthRequest, scheme: HmacSigningAuth, signingSecret: string, now: number): void {
  const timestamp = String(Math.floor(now / 1000));
  const hmac = createHmac(scheme.algorithm, signingSecret);
  // Part by part rather than one joined string, so a binary body is signed as the bytes sent.
  scheme.payload.forEach((part, index) => {
    if (index > 0) hmac.update(scheme.separator, 'utf8');
    switch (part) {
      case 'timestamp':
        hmac.update(timestamp, 'utf8');
        return;
      case 'method':
        hmac.update(request.method.toUpperCase(), 'utf8');
        return;
      case 'path':
        hmac.update(request.url.pathname, 'utf8');
        return;
      case 'query':
        hmac.update(request.url.search.slice(1), 'utf8');
        return;
      case 'body':
        hmac.update(request.body ?? '');
        return;
    }
  });
  setHeader(request, scheme.header, `${scheme.prefix ?? ''}${hmac.digest(scheme.encoding)}`);
  if (scheme.timestampHeader !== undefined) setHeader(request, scheme.timestampHeader, timestamp);
}

async function secret(credentials: CredentialSource, name: string): Promise<string> {
  const value = await credentials.get(name);
  if (value === undefined || value === '') {
    throw new AuthError('ERR_AUTH_MISSING_SECRET', {
      message: `The connection has no "${name}" secret; set it with \`weft connections add\`.`,
    });
  }
  return value;
}

// A line break in a header value is either a paste error or an injection; undici would reject it
// with an error that might quote the value, so refuse it here by name.
function headerSafe(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new AuthError('ERR_AUTH_BAD_SECRET', { message: `The connection's ${JSON.stringify(name)} contains a line break and cannot be sent in a header.` });
  }
  return value;
}

/** Replaces any same-named header regardless of case, so a connector's own header cannot sit beside ours. */
function setHeader(request: AuthRequest, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const existing of Object.keys(request.headers)) {
    if (existing.toLowerCase() === lower) delete request.headers[existing];
  }
  request.headers[name] = value;
}
