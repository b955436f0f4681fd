import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NotFoundError, RateLimitedError, RetryableError } from '../errors.ts';
import { createCollection, type Collection } from './collection.ts';
import { createTestHttpClient, type TestHttpClient } from './fetch-http-client.ts';
import { createSandbox, type RunningSandbox } from './sandbox.ts';

interface Widget {
  id: string;
  name: string;
}

let clock = 1_000_000;
let nextRandom = 0.5;

function startWidgets(options: { rateLimit?: { requests: number; windowMs: number } } = {}) {
  return createSandbox<{ widgets: Collection<Widget> }>({
    name: 'widgets',
    seed: () => ({ widgets: createCollection([{ id: 'w1', name: 'first' }]) }),
    now: () => clock,
    random: () => nextRandom,
    headers: (request) => ({ 'x-request-id': `r${request.seq}` }),
    authenticate: (request) => (request.headers.authorization === 'Bearer good' ? undefined : { status: 401, body: { problem: 'who are you' } }),
    errorResponse: (failure) => ({ status: failure.status, body: { message: failure.message, kind: failure.kind } }),
    ...(options.rateLimit === undefined
      ? {}
      : {
          rateLimit: {
            ...options.rateLimit,
            headers: ({ limit, remaining, resetAtMs }) => ({
              'x-ratelimit-limit': String(limit),
              'x-ratelimit-remaining': String(remaining),
              'x-ratelimit-reset': String(Math.ceil(resetAtMs / 1000)),
            }),
          },
        }),
    routes: [
      { method: 'GET', path: '/widgets/:id', handle: (request, { state }) => {
        const widget = state.widgets.get(request.params.id ?? '');
        return widget === undefined ? { status: 404, body: { problem: 'no such widget' } } : { body: widget };
      } },
      { method: 'POST', path: '/widgets', handle: (request, { state }) => ({ status: 201, body: state.widgets.insert({ id: `w${state.widgets.size + 1}`, name: String((request.body as { name: unknown }).name) }) }) },
    ],
    webhooks: {
      sign: (rawBody, nowMs) => ({ 'x-signed': `${nowMs}:${rawBody.length}` }),
      event: (type, { state }) => ({ id: `evt_${state.widgets.size}_${Math.random().toString(36).slice(2, 8)}`, type }),
    },
  }).listen();
}

describe('createSandbox', () => {
  let sandbox: RunningSandbox<{ widgets: Collection<Widget> }>;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startWidgets();
    http = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: 'Bearer good' }, timeoutMs: 2000, now: () => clock });
  });
  after(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
    nextRandom = 0.5;
  });

  it('routes by method and :param, keeps state between requests and starts again on reset', async () => {
    const created = await http.request({ method: 'POST', path: '/widgets', body: { name: 'second' } });
    assert.deepEqual(created.body, { id: 'w2', name: 'second' });
    assert.deepEqual((await http.request({ method: 'GET', path: '/widgets/w2' })).body, { id: 'w2', name: 'second' });
    sandbox.reset();
    await assert.rejects(http.request({ method: 'GET', path: '/widgets/w2' }), NotFoundError);
  });

  it('parses form bodies and bracketed query strings', async () => {
    await http.request({ method: 'POST', path: '/widgets', bodyEncoding: 'form', body: { name: 'formed', tags: ['a', 'b'], meta: { k: 'v' } } });
    const [record] = sandbox.requests();
    assert.deepEqual(record?.body, { name: 'formed', tags: ['a', 'b'], meta: { k: 'v' } });
    await http.request({ method: 'GET', path: '/widgets/w1', query: { 'created[gt]': 5 } });
    assert.deepEqual(sandbox.requests()[1]?.query, { created: { gt: '5' } });
  });

  it('answers a body it cannot parse with a 400 in the vendor shape, before any handler sees it', async () => {
    const response = await fetch(`${sandbox.url}/widgets`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=a&name=b',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { kind: string }).kind, 'bad-body');
    assert.equal(sandbox.state().widgets.size, 1);
  });

  it('records each request with its route, status and the vendor headers', async () => {
    const response = await http.request({ method: 'GET', path: '/widgets/w1' });
    assert.equal(response.headers['x-request-id'], 'r1');
    const [record] = sandbox.requests();
    assert.equal(record?.route, 'GET /widgets/:id');
    assert.equal(record?.status, 200);
  });

  it('refuses requests the vendor would not authenticate, and unknown routes in the vendor shape', async () => {
    const stranger = createTestHttpClient({ baseUrl: sandbox.url });
    await assert.rejects(stranger.request({ method: 'GET', path: '/widgets/w1' }), { name: 'AuthError', status: 401 });
    await assert.rejects(http.request({ method: 'GET', path: '/gadgets' }), (error: NotFoundError) => /Unrecognized request URL/.test(error.message));
  });

  it('injects 429 with Retry-After for the next `count` requests, then recovers', async () => {
    sandbox.faults.set({ rateLimit: { count: 2, retryAfterSeconds: 30 } });
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(http.request({ method: 'GET', path: '/widgets/w1' }), (error: RateLimitedError) => error.retryAfterMs === 30_000);
    }
    assert.equal((await http.request({ method: 'GET', path: '/widgets/w1' })).status, 200);
    assert.deepEqual(sandbox.requests().map((record) => record.fault), ['rate-limit', 'rate-limit', undefined]);
  });

  it('injects failures for one route only', async () => {
    sandbox.faults.set({ failNext: { count: 1, status: 503 } }, { route: 'POST /widgets' });
    assert.equal((await http.request({ method: 'GET', path: '/widgets/w1' })).status, 200);
    await assert.rejects(http.request({ method: 'POST', path: '/widgets', body: { name: 'x' } }), { name: 'RetryableError', status: 503 });
    assert.equal((await http.request({ method: 'POST', path: '/widgets', body: { name: 'x' } })).status, 201);
    assert.throws(() => sandbox.faults.set({ hangOnce: true }, { route: 'GET /nowhere' }), /no route GET \/nowhere/);
  });

  it('fails a share of requests drawn from its random source', async () => {
    sandbox.faults.set({ errorRate: 0.3, errorStatus: 502 });
    nextRandom = 0.29;
    await assert.rejects(http.request({ method: 'GET', path: '/widgets/w1' }), { status: 502 });
    nextRandom = 0.3;
    assert.equal((await http.request({ method: 'GET', path: '/widgets/w1' })).status, 200);
  });

  it('is down until outageUntil on its clock, with Retry-After for the rest of the outage', async () => {
    sandbox.faults.set({ outageUntil: clock + 90_500 });
    await assert.rejects(http.request({ method: 'GET', path: '/widgets/w1' }), (error: RetryableError) => error.status === 503);
    const response = await fetch(`${sandbox.url}/widgets/w1`, { headers: { authorization: 'Bearer good' } });
    assert.equal(response.headers.get('retry-after'), '91');
    clock += 90_500;
    try {
      assert.equal((await http.request({ method: 'GET', path: '/widgets/w1' })).status, 200);
    } finally {
      clock -= 90_500;
    }
  });

  it('leaves a request hanging once, so the client times out, and answers the next', async () => {
    sandbox.faults.set({ hangOnce: true });
    const impatient = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: 'Bearer good' }, timeoutMs: 150 });
    await assert.rejects(impatient.request({ method: 'GET', path: '/widgets/w1' }), (error: RetryableError) => error.reason === 'timeout');
    assert.equal((await impatient.request({ method: 'GET', path: '/widgets/w1' })).status, 200);
  });

  it('delays requests and trickles bodies when told to', async () => {
    sandbox.faults.set({ delayMs: 120 });
    let started = performance.now();
    await http.request({ method: 'GET', path: '/widgets/w1' });
    assert.ok(performance.now() - started >= 100);

    sandbox.faults.set({ slowBodyMs: 300 });
    const impatient = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: 'Bearer good' }, timeoutMs: 100 });
    // The status line arrives at once; the body does not, so a client that times out the body notices.
    await assert.rejects(impatient.request({ method: 'GET', path: '/widgets/w1' }), (error: RetryableError) => error.reason === 'timeout');
    started = performance.now();
    assert.deepEqual((await http.request({ method: 'GET', path: '/widgets/w1' })).body, { id: 'w1', name: 'first' });
    assert.ok(performance.now() - started >= 250);
  });

  it('delivers webhooks signed, duplicated after the originals, and newest first when out of order', async () => {
    const received: { body: string; signed?: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        received.push({ body, signed: req.headers['x-signed'] as string | undefined });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const deliveries = await sandbox.webhooks.send({ url, events: [{ n: 1 }, { n: 2 }], duplicate: true, outOfOrder: true });
      assert.deepEqual(received.map((delivery) => JSON.parse(delivery.body).n), [2, 1, 2, 1]);
      assert.equal(received[0]?.signed, `${clock}:7`);
      assert.deepEqual(deliveries.map((delivery) => delivery.status), [200, 200, 200, 200]);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('takes faults, shows requests and delivers events over its HTTP control surface', async () => {
    const control = (path: string, body?: unknown) =>
      fetch(`${sandbox.url}/_sandbox/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await control('faults', { route: 'GET /widgets/:id', failNext: { count: 1, status: 500 } })).status, 200);
    await assert.rejects(http.request({ method: 'GET', path: '/widgets/w1' }), { status: 500 });
    const { requests } = (await (await control('requests')).json()) as { requests: { path: string; status: number }[] };
    assert.deepEqual(requests.map(({ path, status }) => ({ path, status })), [{ path: '/widgets/w1', status: 500 }]);
    const refused = await control('webhooks/deliver', { url: 'http://127.0.0.1:1/nothing-here', type: 'widget.made' });
    const { deliveries } = (await refused.json()) as { deliveries: { error?: string; body: string }[] };
    assert.equal(JSON.parse(deliveries[0]?.body ?? '{}').type, 'widget.made');
    assert.ok(deliveries[0]?.error !== undefined, 'a delivery to a closed port reports its error');
  });
});

describe('createSandbox rate limit', () => {
  it('refuses more than `requests` per window with 429 and reports the budget in vendor headers', async () => {
    const sandbox = await startWidgets({ rateLimit: { requests: 2, windowMs: 1000 } });
    const http = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: 'Bearer good' }, now: () => clock });
    try {
      const first = await http.request({ method: 'GET', path: '/widgets/w1' });
      assert.equal(first.headers['x-ratelimit-remaining'], '1');
      await http.request({ method: 'GET', path: '/widgets/w1' });
      await assert.rejects(http.request({ method: 'GET', path: '/widgets/w1' }), (error: RateLimitedError) => error.retryAfterMs === 1000);
      clock += 1000;
      assert.equal((await http.request({ method: 'GET', path: '/widgets/w1' })).status, 200);
    } finally {
      await sandbox.close();
    }
  });
});
