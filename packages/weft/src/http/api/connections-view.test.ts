import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineAction, defineConnector, oauth2AuthorizationCode, schema } from '@weft/sdk';
import { createManualClock } from '../../core/clock.ts';
import type { ConnectionRuntime, ResolvedConnection } from '../../connectors/connection-runtime.ts';
import { createEgressGuard } from '../../connectors/egress-guard.ts';
import type { Vault } from '../../connectors/vault/vault.ts';
import type { Store } from '../../store/store.ts';
import { createConnectionsView } from './connections-view.ts';

describe('connections view: the OAuth code exchange', () => {
  let server: Server;
  let tokenUrl: string;
  let tokenRequests = 0;
  before(async () => {
    server = createServer((request, response) => {
      tokenRequests++;
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"at-1","token_type":"Bearer","expires_in":3600}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A view whose outbound calls go through an egress guard allowing `egressAllow`. */
  function view(egressAllow: string[]) {
    const scheme = oauth2AuthorizationCode({ authorizationUrl: 'https://login.crm.invalid/authorize', tokenUrl, pkce: true });
    const connector = defineConnector({
      id: 'crm',
      name: 'The CRM',
      baseUrl: 'https://crm.invalid',
      auth: [scheme],
      actions: [defineAction({ id: 'ping', name: 'Ping', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'GET', path: '/' }) })],
    });
    const resolved = { connection: { id: 'crm', connectorId: 'crm', config: {}, createdAt: 0, updatedAt: 0 }, connector } as unknown as ResolvedConnection;
    const secrets: Record<string, string> = { clientId: 'weft', clientSecret: 'crm-client-secret' };
    const dispatcher = createEgressGuard({ allow: egressAllow }).dispatcher();
    const connections = createConnectionsView({
      store: {} as Store,
      runtime: { resolve: async () => resolved } as unknown as ConnectionRuntime,
      vault: { get: async (_id: string, name: string) => secrets[name], put: async () => {} } as unknown as Vault,
      dispatcher,
      clock: createManualClock(Date.now()),
      auditBodyBytes: 1024,
      redactFields: [],
    });
    const signIn = async () => {
      const consent = new URL(await connections.authorizationUrl('crm', 'http://localhost/api/v1/connections/oauth/callback'));
      return connections.completeAuthorization(consent.searchParams.get('state') as string, 'the-code', undefined);
    };
    return { signIn, close: () => dispatcher.close() };
  }

  it('sends the token request through the egress guard: refused where egressAllow does not reach', async () => {
    const guarded = view([]);
    try {
      await assert.rejects(guarded.signIn(), { code: 'ERR_OAUTH_TOKEN_ENDPOINT_UNREACHABLE' });
      assert.equal(tokenRequests, 0, 'the loopback token endpoint was reached past the guard');
    } finally {
      await guarded.close();
    }
    const allowed = view(['127.0.0.1']);
    try {
      assert.equal(await allowed.signIn(), 'crm');
      assert.equal(tokenRequests, 1);
    } finally {
      await allowed.close();
    }
  });
});
