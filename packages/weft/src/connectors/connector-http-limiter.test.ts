import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { bearer, defineAction, defineConnector, schema } from '@weft/sdk';
import { createConnectorHttpClient } from './connector-http.ts';
import { createEgressGuard } from './egress-guard.ts';
import type { AcquireOptions, ConnectionLimiter } from './rate-limit/limiter.ts';
import type { CallOutcome } from './rate-limit/circuit-breaker.ts';
import { listenOnLoopback } from '../../test/support/loopback.ts';

const search = defineAction({ id: 'search', name: 'Search', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'POST', path: '/search' }) });
const connector = defineConnector({ id: 'example', name: 'Example', baseUrl: 'https://api.example.com', auth: [bearer()], actions: [search] });

describe('connector calls and the connection limiter', () => {
  let server: Server;
  let origin: string;
  let listening: Awaited<ReturnType<typeof listenOnLoopback>>;
  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      if (request.url === '/never') return; // held open: only an abort ends it
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    listening = await listenOnLoopback(server);
    origin = listening.url;
  });
  after(() => listening.close());

  /** A limiter that grants everything and records what it was asked and told. */
  function recordingLimiter(overrides: Partial<ConnectionLimiter> = {}) {
    const acquired: Array<AcquireOptions | undefined> = [];
    const released: CallOutcome[] = [];
    const limiter: ConnectionLimiter = {
      acquire: async (_endpoint, options) => {
        acquired.push(options);
        return { status: 'granted', release: async (outcome) => void released.push(outcome) };
      },
      observe: async () => ({ isRateLimited: false }),
      ...overrides,
    };
    return { limiter, acquired, released };
  }

  function client(limiter: ConnectionLimiter, options: { signal?: AbortSignal; timeoutMs?: number } = {}) {
    const dispatcher = createEgressGuard({ allow: ['127.0.0.1'] }).dispatcher();
    const http = createConnectorHttpClient({
      connector,
      action: search,
      limiter,
      baseUrl: origin,
      auth: { authorize: async () => {} },
      dispatcher,
      clock: { now: () => Date.now() },
      signal: options.signal ?? new AbortController().signal,
      timeoutMs: options.timeoutMs ?? 5_000,
      audit: async () => ({ answered: () => {}, unsent: () => {} }),
      auditBodyBytes: 1024,
      redactFields: [],
    });
    return { http, close: () => dispatcher.close() };
  }

  it("asks for a slot as long as the request's timeout, so a slow call keeps it", async () => {
    const { limiter, acquired } = recordingLimiter();
    const { http, close } = client(limiter, { timeoutMs: 300_000 });
    try {
      await http.request({ method: 'POST', path: '/search' });
      assert.deepEqual(acquired, [{ timeoutMs: 300_000 }]);
    } finally {
      await close();
    }
  });

  it('gives the slot back when the store refuses the vendor\'s signals, and reports the store\'s error', async () => {
    const { limiter, released } = recordingLimiter({
      observe: async () => {
        throw new Error('store unavailable');
      },
    });
    const { http, close } = client(limiter);
    try {
      await assert.rejects(http.request({ method: 'POST', path: '/search' }), /store unavailable/);
      assert.deepEqual(released, ['success']);
    } finally {
      await close();
    }
  });

  it('a send cut short by the run\'s own abort is no breaker failure; one that timed out is', async () => {
    const { limiter, released } = recordingLimiter();
    const controller = new AbortController();
    const aborted = client(limiter, { signal: controller.signal });
    const timedOut = client(limiter, { timeoutMs: 100 });
    try {
      const sending = aborted.http.request({ method: 'POST', path: '/never' });
      setTimeout(() => controller.abort(new Error('shutting down')), 50);
      await assert.rejects(sending, /shutting down/);
      await assert.rejects(timedOut.http.request({ method: 'POST', path: '/never' }), { code: 'ERR_CONNECTOR_TIMEOUT' });
      assert.deepEqual(released, ['unsent', 'failure']);
    } finally {
      await Promise.all([aborted.close(), timedOut.close()]);
    }
  });
});
