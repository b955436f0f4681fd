import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiKey, basic, bearer, hmacSigning, oauth2AuthorizationCode, oauth2ClientCredentials } from './auth.ts';

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
    assert.throws(() => oauth2ClientCredentials({ tokenUrl: '/token' }), /tokenUrl must be an absolute http\(s\) URL/);
    assert.throws(
      () => oauth2AuthorizationCode({ authorizationUrl: 'ftp://x', tokenUrl: 'https://x/t', pkce: false }),
      /authorizationUrl/,
    );
    assert.throws(() => hmacSigning({ header: 'X-Sig', payload: [] }), /at least one/);
    assert.throws(() => hmacSigning({ header: 'X-Sig', payload: ['timestamp', 'body'] }), /timestampHeader/);
  });
});
