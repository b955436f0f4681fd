import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { bearer, defineAction, defineConnector, schema } from '@weft/sdk';
import { createConnectorHttpClient } from './connector-http.ts';
import { createEgressGuard } from './egress-guard.ts';
import type { ConnectionLimiter } from './rate-limit/limiter.ts';
import { StoreUnavailableError } from '../store/store.ts';
import { listenOnLoopback } from '../../test/support/loopback.ts';

const createOrder = defineAction({ id: 'create-order', name: 'Create order', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'POST', path: '/orders' }) });
const connector = defineConnector({ id: 'example', name: 'Example', baseUrl: 'https://api.example.com', auth: [bearer()], actions: [createOrder] });

describe('createConnectorHttpClient', () => {
  let server: Server;
  let origin: string;
  let listening: Awaited<ReturnType<typeof listenOnLoopback>>;
  let connections = 0;
  let requests = 0;
  before(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      if (req.url === '/never') return; // holds the request open: only a deadline ends it
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    server.on('connection', () => connections++);
    listening = await listenOnLoopback(server);
    origin = listening.url;
  });
  after(() => listening.close());

  function client(overrides: {
    limiter?: ConnectionLimiter;
    signal?: AbortSignal;
    timeoutMs?: number;
    clock?: { now(): number };
    recorded?: (request: { at: number }) => void;
    audit?: (call: { status: number | null; error: string | null; durationMs: number }, sentAt: number) => void;
    unsent?: () => void;
  }) {
    const dispatcher = createEgressGuard({ allow: ['127.0.0.1'] }).dispatcher();
    const http = createConnectorHttpClient({
      connector,
      ...(overrides.limiter ? { limiter: overrides.limiter } : {}),
      baseUrl: origin,
      auth: { authorize: async () => {} },
      dispatcher,
      clock: overrides.clock ?? { now: () => Date.now() },
      signal: overrides.signal ?? new AbortController().signal,
      timeoutMs: overrides.timeoutMs ?? 5_000,
      audit: async (request) => {
        overrides.recorded?.(request);
        return { answered: (answer, sentAt) => overrides.audit?.(answer, sentAt), unsent: () => overrides.unsent?.() };
      },
      auditBodyBytes: 1024,
      redactFields: [],
    });
    return { http, close: () => dispatcher.close() };
  }

  it('connects before the limiter reserves the send, so the reserved instant is not spent dialling', async () => {
    const connectionsAtAcquire: number[] = [];
    const limiter: ConnectionLimiter = {
      acquire: async () => {
        connectionsAtAcquire.push(connections);
        return { status: 'granted', release: async () => {} };
      },
      observe: async () => ({ isRateLimited: false }),
    };
    const audits: (number | null)[] = [];
    const { http, close } = client({ limiter, audit: (call) => audits.push(call.status) });
    try {
      const before = connections;
      const response = await http.request({ method: 'POST', path: '/orders', body: { id: 1 } });
      assert.equal(response.status, 200);
      assert.deepEqual(connectionsAtAcquire, [before + 1], 'the connection was open when the limiter was asked');
      assert.equal(connections, before + 1, 'and the request used it');
      assert.deepEqual(audits, [200]);
    } finally {
      await close();
    }
  });

  it('an answered request is on record from when it left: after the connection opened and the limiter let it go', async () => {
    let now = 1_000;
    let ticking: NodeJS.Timeout | undefined;
    const limiter: ConnectionLimiter = {
      acquire: async () => {
        now += 250; // the limiter slept until the bucket had room
        ticking = setInterval(() => (now += 5), 1); // and from here on the vendor takes its time
        return { status: 'granted', release: async () => {} };
      },
      observe: async () => ({ isRateLimited: false }),
    };
    let recordedAt: number | undefined;
    const answers: Array<{ sentAt: number; durationMs: number; answeredAt: number }> = [];
    const { http, close } = client({
      limiter,
      clock: { now: () => now },
      recorded: (request) => (recordedAt = request.at),
      audit: (answer, sentAt) => answers.push({ sentAt, durationMs: answer.durationMs, answeredAt: now }),
    });
    try {
      await http.request({ method: 'POST', path: '/orders' }).finally(() => clearInterval(ticking));
      assert.equal(recordedAt, 1_000);
      const [answer] = answers;
      assert.equal(answer?.sentAt, 1_250, 'at: when it left, not when it was recorded');
      assert.equal(answer.sentAt + answer.durationMs, answer.answeredAt, 'at + durationMs: when the answer came');
    } finally {
      await close();
    }
  });

  it('a limiter that fails before the request leaves drops the request\'s audit record', async () => {
    const limiter: ConnectionLimiter = {
      acquire: async () => {
        throw new StoreUnavailableError('database is locked');
      },
      observe: async () => ({ isRateLimited: false }),
    };
    const answers: (number | null)[] = [];
    let unsent = 0;
    const { http, close } = client({ limiter, audit: (call) => answers.push(call.status), unsent: () => unsent++ });
    try {
      const before = requests;
      await assert.rejects(http.request({ method: 'POST', path: '/orders' }), StoreUnavailableError);
      assert.equal(requests, before, 'nothing reached the vendor');
      assert.deepEqual([unsent, answers], [1, []], 'not left to read as interrupted');
    } finally {
      await close();
    }
  });

  it('a vendor that does not answer within the timeout is a retryable timeout, audited as one', async () => {
    const audits: (string | null)[] = [];
    const { http, close } = client({ timeoutMs: 100, audit: (call) => audits.push(call.error) });
    try {
      await assert.rejects(http.request({ method: 'GET', path: '/never' }), (error: Error & { code?: string; retryable?: boolean }) => {
        assert.equal(error.code, 'ERR_CONNECTOR_TIMEOUT');
        assert.equal(error.retryable, true);
        assert.equal(error.message, 'Example did not answer within 100 ms');
        return true;
      });
      assert.deepEqual(audits, ['timeout after 100 ms']);
    } finally {
      await close();
    }
  });

  it('an aborted run aborts its request and gets the abort back, not a timeout', async () => {
    const run = new AbortController();
    const audits: (string | null)[] = [];
    const { http, close } = client({ signal: run.signal, audit: (call) => audits.push(call.error) });
    try {
      const pending = http.request({ method: 'GET', path: '/never' });
      setTimeout(() => run.abort(new Error('shutting down')), 50);
      await assert.rejects(pending, /shutting down/);
      assert.equal(audits.length, 1);
      assert.doesNotMatch(audits[0] ?? '', /timeout/);
    } finally {
      await close();
    }
  });
});
