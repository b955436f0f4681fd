import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH_SECRETS, apiKey, basic, bearer, hmacSigning, oauth2AuthorizationCode, oauth2ClientCredentials, tokenLogin } from './auth.ts';

describe('auth schemes', () => {
  it('are frozen data with a kind', () => {
    const key = apiKey({ in: 'header', name: 'X-Api-Key' });
    assert.deepEqual(key, { kind: 'api-key', in: 'header', name: 'X-Api-Key' });
    assert.ok(Object.isFrozen(key));
    assert.deepEqual(basic(), { kind: 'basic' });
    assert.deepEqual(bearer(), { kind: 'bearer' });
    assert.deepEqual(oauth2ClientCredentials({ tokenUrl: 'https://auth.example.com/token' }), {
      kind: 'oauth2-client-credentials',
      tokenUrl: 'https://auth.example.com/token',
      scopes: [],
    });
    const code = oauth2AuthorizationCode({
      authorizationUrl: 'https://example.com/oauth/authorize',
      tokenUrl: 'https://example.com/oauth/token',
      scopes: ['read_orders'],
      pkce: true,
    });
    assert.equal(code.kind, 'oauth2-authorization-code');
    assert.ok(Object.isFrozen(code.scopes));
  });

  it('fills hmacSigning defaults', () => {
    assert.deepEqual(hmacSigning({ header: 'X-Signature', payload: ['timestamp', 'body'], separator: '.', timestampHeader: 'X-Timestamp' }), {
      kind: 'hmac-signing',
      header: 'X-Signature',
      payload: ['timestamp', 'body'],
      separator: '.',
      timestampHeader: 'X-Timestamp',
      algorithm: 'sha256',
      encoding: 'hex',
    });
  });

  it('rejects declarations the engine could not apply', () => {
    assert.throws(() => apiKey({ in: 'query', name: ' ' }), /name/);
    assert.throws(() => oauth2ClientCredentials({ tokenUrl: 'token' }), /tokenUrl must be an absolute http\(s\) URL/);
    // A path is on the connection's base URL; a protocol-relative "//host" would name another host.
    assert.throws(() => oauth2ClientCredentials({ tokenUrl: '//evil.example/token' }), /tokenUrl must be an absolute http\(s\) URL/);
    assert.equal(oauth2ClientCredentials({ tokenUrl: '/oauth/token', clientAuthentication: 'client_secret_post' }).clientAuthentication, 'client_secret_post');
    assert.throws(
      () => oauth2AuthorizationCode({ authorizationUrl: 'ftp://x', tokenUrl: 'https://x/t', pkce: false }),
      /authorizationUrl/,
    );
    assert.throws(() => hmacSigning({ header: 'X-Sig', payload: [] }), /at least one/);
    assert.throws(() => hmacSigning({ header: 'X-Sig', payload: ['timestamp', 'body'] }), /timestampHeader/);
  });

  it('declares a token login: where to log in, which body fields carry which secret, where the token is, how long it lasts', () => {
    const scheme = tokenLogin({ path: '/v1/external/auth/login', body: { email: 'username', password: 'password' }, tokenField: 'token', lifetimeSeconds: 864_000 });
    assert.deepEqual(scheme, {
      kind: 'token-login',
      path: '/v1/external/auth/login',
      body: { email: 'username', password: 'password' },
      tokenField: 'token',
      lifetimeSeconds: 864_000,
    });
    assert.ok(Object.isFrozen(scheme.body));
    assert.deepEqual(AUTH_SECRETS['token-login'].required, ['username', 'password']);
  });

  it('rejects a token login the engine could not perform', () => {
    const valid = { path: '/login', body: { email: 'username', password: 'password' } as const, tokenField: 'token', lifetimeSeconds: 60 };
    assert.throws(() => tokenLogin({ ...valid, path: 'https://elsewhere.example/login' }), /path must start with "\/"/);
    assert.throws(() => tokenLogin({ ...valid, body: { email: 'username' } }), /exactly one body field must carry the "password" secret/);
    assert.throws(() => tokenLogin({ ...valid, body: { a: 'username', b: 'username', password: 'password' } }), /exactly one body field must carry the "username"/);
    assert.throws(() => tokenLogin({ ...valid, body: { email: 'apiKey' as 'username', password: 'password' } }), /must name the "username" or "password" secret/);
    assert.throws(() => tokenLogin({ ...valid, tokenField: '' }), /tokenField/);
    assert.throws(() => tokenLogin({ ...valid, lifetimeSeconds: 0 }), /lifetimeSeconds/);
    assert.throws(() => tokenLogin({ ...valid, lifetimeSeconds: 1.5 }), /lifetimeSeconds/);
  });
});
