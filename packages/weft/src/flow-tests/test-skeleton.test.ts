import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { Flow } from '../flows/flow-schema.ts';
import type { Recording } from './recording-file.ts';
import { testSkeleton } from './test-skeleton.ts';

const RECORDING: Recording = {
  weftRecording: 1,
  flow: 'orders',
  run: 'run_7',
  status: 'exception',
  exception: { reason: 'validation', message: 'The ERP refused order 1001 (422): sku [MUG-9] is unknown.', step: 'post' },
  trigger: { source: 'webhook', headers: {}, query: {}, body: { id: 1001 } },
  connections: { stripe: { connector: 'stripe', config: {} } },
  calls: [
    { step: 'refund', attempt: 1, connection: 'stripe', method: 'POST', url: 'https://api.stripe.com/v1/refunds', request: { headers: {}, body: null }, response: { status: 200, headers: {}, body: '{}' } },
    { step: 'post', attempt: 1, method: 'POST', url: 'https://erp.example.com/api/orders?dry=0', request: { headers: {}, body: null }, response: { status: 422, headers: {}, body: '{}' } },
  ],
};

const FLOW = { id: 'orders', trigger: { webhook: { path: 'orders', signature: { scheme: 'github', secret: '${env:ORDERS_SECRET}' } } }, steps: [{ id: 'm', map: '1' }] } satisfies Flow;

describe('testSkeleton', () => {
  it('replays every connection and host of the recording and expects the recorded end and calls', () => {
    const test = parse(testSkeleton(RECORDING, 'recordings/run_7.json', FLOW));
    const replay = { replay: 'recordings/run_7.json' };
    assert.deepEqual(test.env, { ORDERS_SECRET: 'weft-test-webhook-secret' });
    assert.deepEqual(test.connections, { stripe: replay });
    assert.deepEqual(test.hosts, { 'https://erp.example.com': replay }, 'the connection’s origin is not a host of its own');
    assert.deepEqual(test.cases[0].input, { recording: 'recordings/run_7.json' });
    const expect = test.cases[0].expect;
    assert.equal(expect.status, 'exception');
    assert.equal(expect.exception.reason, 'validation');
    assert.equal(expect.exception.step, 'post');
    assert.match(RECORDING.exception!.message, new RegExp(expect.exception.message), 'the sentence matches itself, brackets and all');
    assert.deepEqual(expect.callCounts, { refund: 1, post: 1 });
    assert.deepEqual(expect.calls, [
      { step: 'refund', method: 'POST', url: '/v1/refunds', status: 200 },
      { step: 'post', method: 'POST', url: '/api/orders?dry=0', status: 422 },
    ]);
  });

  it('leaves env out when the flow is unknown or its secret is not a variable', () => {
    assert.equal(parse(testSkeleton(RECORDING, 'r.json', undefined)).env, undefined);
  });
});
