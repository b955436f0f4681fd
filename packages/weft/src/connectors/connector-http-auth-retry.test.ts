import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineAction, defineConnector, oauth2ClientCredentials, schema } from '@weft/sdk';
import { createManualClock } from '../core/clock.ts';
import { createConnectionAuth } from './auth/connection-auth.ts';
import { createMemoryTokenStore, createOAuth2Client } from './auth/oauth2.ts';
import { createConnectorHttpClient } from './connector-http.ts';
import { createEgressGuard } from './egress-guard.ts';

const BURST = 5;

/**
 * A vendor whose first access token is revoked: the requests sent with it are held, then refused
 * one at a time, each only after a request with a newer token got through, so every 401 arrives
 * after the previous retry fetched a new token.
 */
function startVendor() {
  let issued = 0;
  const held: ServerResponse[] = [];
  const refuseNext = () => held.shift()?.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url === '/token') {
        issued++;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `at-${issued}`, token_type: 'Bearer', expires_in: 3600 }));
        return;
      }
      if (request.headers.authorization === 'Bearer at-1') {
        held.push(response);
        if (held.length === BURST) refuseNext();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      refuseNext();
    });
  });
  return { server, tokenRequests: () => issued };
}

describe('connector calls after a 401', () => {
  const vendor = startVendor();
  let origin: string;
  before(async () => {
    await new Promise<void>((resolve) => vendor.server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(vendor.server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => vendor.server.close(() => resolve())));

  it('a burst of requests refused for one revoked token refreshes it once, however late the 401s come', async () => {
    const listOrders = defineAction({ id: 'list-orders', name: 'List orders', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'GET', path: '/orders' }) });
    const scheme = oauth2ClientCredentials({ tokenUrl: `${origin}/token` });
    const connector = defineConnector({ id: 'vendor', name: 'Vendor', baseUrl: origin, auth: [scheme], actions: [listOrders] });
    const clock = createManualClock(Date.now());
    const credentials = { get: async (name: string) => ({ clientId: 'weft', clientSecret: 'secret' })[name] };
    const oauth2 = createOAuth2Client({ connectionId: 'vendor', scheme, credentials, tokens: createMemoryTokenStore(), clock });
    const dispatcher = createEgressGuard({ allow: ['127.0.0.1'] }).dispatcher();
    const http = createConnectorHttpClient({
      connector,
      baseUrl: origin,
      auth: createConnectionAuth({ scheme, credentials, clock, oauth2 }),
      dispatcher,
      clock,
      signal: new AbortController().signal,
      timeoutMs: 5_000,
      audit: async () => ({ answered: () => {}, unsent: () => {} }),
      auditBodyBytes: 1024,
      redactFields: [],
    });
    try {
      const responses = await Promise.all(Array.from({ length: BURST }, () => http.request({ method: 'GET', path: '/orders' })));
      assert.deepEqual(
        responses.map((response) => response.status),
        Array.from({ length: BURST }, () => 200),
      );
      assert.equal(vendor.tokenRequests(), 2, 'the first token, then one refresh for the revoked one');
    } finally {
      await dispatcher.close();
    }
  });
});
