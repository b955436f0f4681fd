import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineAction, defineConnector, oauth2AuthorizationCode, oauth2ClientCredentials, schema } from '@weft/sdk';
import { withConnectionEndpoints } from './connection-auth-factory.ts';

const ping = defineAction({ id: 'ping', name: 'Ping', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'GET', path: '/ping' }) });
const connector = defineConnector({ id: 'carrier', name: 'Carrier', baseUrl: 'https://api.carrier.example', auth: [], actions: [ping] });
const connection = (config: Record<string, unknown>) => ({ id: 'c', connectorId: 'carrier', config, createdAt: 0, updatedAt: 0 });

describe('withConnectionEndpoints', () => {
  const relative = oauth2ClientCredentials({ tokenUrl: '/oauth/token' });

  it('resolves a token path on the connection’s base URL, so a sandbox connection gets its tokens from the sandbox', () => {
    assert.equal(withConnectionEndpoints(relative, connector, connection({})).tokenUrl, 'https://api.carrier.example/oauth/token');
    assert.equal(withConnectionEndpoints(relative, connector, connection({ baseUrl: 'http://127.0.0.1:4010' })).tokenUrl, 'http://127.0.0.1:4010/oauth/token');
  });

  it('lets a connection override both endpoints, and leaves absolute ones alone otherwise', () => {
    const code = oauth2AuthorizationCode({ authorizationUrl: 'https://id.example/authorize', tokenUrl: 'https://id.example/token', pkce: true });
    assert.deepEqual(withConnectionEndpoints(code, connector, connection({})), code);
    const overridden = withConnectionEndpoints(code, connector, connection({ tokenUrl: 'http://127.0.0.1:9/token', authorizationUrl: 'http://127.0.0.1:9/authorize' }));
    assert.equal(overridden.tokenUrl, 'http://127.0.0.1:9/token');
    assert.equal(overridden.kind === 'oauth2-authorization-code' && overridden.authorizationUrl, 'http://127.0.0.1:9/authorize');
  });
});
