import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer, defineAction, defineConnector, schema } from '@weft/sdk';
import { createConnectorHttpClient } from './connector-http.ts';
import { createEgressGuard } from './egress-guard.ts';
import type { ConnectionLimiter } from './rate-limit/limiter.ts';

const createOrder = defineAction({ id: 'create-order', name: 'Create order', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'POST', path: '/orders' }) });
const connector = defineConnector({ id: 'example', name: 'Example', baseUrl: 'https://api.example.com', auth: [bearer()], actions: [createOrder] });

describe('createConnectorHttpClient', () => {
  let server: Server;
  let origin: string;
  let connections = 0;
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects before the limiter reserves the send, so the reserved instant is not spent dialling', async () => {
    const dispatcher = createEgressGuard({ allow: ['127.0.0.1'] }).dispatcher();
    const connectionsAtAcquire: number[] = [];
    const limiter: ConnectionLimiter = {
      acquire: async () => {
        connectionsAtAcquire.push(connections);
        return { status: 'granted', release: async () => {} };
      },
      observe: async () => ({ isRateLimited: false }),
    };
    const audits: number[] = [];
    const http = createConnectorHttpClient({
      connector,
      limiter,
      baseUrl: origin,
      auth: { authorize: async () => {} },
      dispatcher,
      clock: { now: () => Date.now() },
      signal: new AbortController().signal,
      timeoutMs: 5_000,
      audit: (call) => audits.push(call.status ?? 0),
      auditBodyBytes: 1024,
      redactFields: [],
    });
    try {
      const before = connections;
      const response = await http.request({ method: 'POST', path: '/orders', body: { id: 1 } });
      assert.equal(response.status, 200);
      assert.deepEqual(connectionsAtAcquire, [before + 1], 'the connection was open when the limiter was asked');
      assert.equal(connections, before + 1, 'and the request used it');
      assert.deepEqual(audits, [200]);
    } finally {
      await dispatcher.close();
    }
  });
});
