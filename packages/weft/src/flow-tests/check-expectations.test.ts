import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Flow } from '../flows/flow-schema.ts';
import type { CallRecord } from '../store/store.ts';
import { checkExpectations, parseBody, stepIdOf, type RunOutcome } from './check-expectations.ts';

const FLOW: Flow = {
  id: 'orders',
  trigger: { manual: {} },
  steps: [
    { id: 'refund', call: { connection: 'stripe', action: 'create-refund' } },
    { id: 'lines', each: 'trigger.body.lines', steps: [{ id: 'post', call: { url: 'https://erp.example.com/lines' } }] },
  ],
};

function call(stepPath: string, status: number | null, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id: 1,
    at: 0,
    flowId: 'orders',
    runId: 'run_1',
    stepPath,
    attempt: 1,
    method: 'POST',
    url: 'http://127.0.0.1:4010/v1/refunds',
    status,
    durationMs: 5,
    requestHeaders: { 'content-type': 'application/x-www-form-urlencoded' },
    requestBody: 'payment_intent=pi_1&reason=duplicate',
    responseHeaders: { 'content-type': 'application/json' },
    responseBody: '{"id":"re_1","status":"succeeded"}',
    error: status === null ? 'connect ECONNREFUSED' : null,
    ...overrides,
  };
}

const SUCCEEDED: RunOutcome = { status: 'succeeded', calls: [call('refund', 200)], outputs: new Map([['refund', { id: 're_1' }]]) };

describe('checkExpectations', () => {
  it('passes a run that matches, naming steps by id or path and urls in full or by path', () => {
    const outcome: RunOutcome = { ...SUCCEEDED, calls: [call('refund', 200), call('lines[0].post', 201, { url: 'https://erp.example.com/lines?x=1', requestHeaders: {}, requestBody: '{"sku":"A"}' })] };
    assert.deepEqual(
      checkExpectations(
        {
          status: 'succeeded',
          calls: [
            { step: 'refund', action: 'create-refund', method: 'POST', url: '/v1/refunds', request: { payment_intent: 'pi_1' }, status: 200, response: { status: 'succeeded' } },
            { step: 'lines[0].post', url: 'https://erp.example.com/lines?x=1', request: { sku: 'A' } },
          ],
          callCounts: { refund: 1, post: 1 },
          outputs: { refund: { id: 're_1' } },
        },
        outcome,
        FLOW,
      ),
      [],
    );
  });

  it('explains an unexpected end with the exception sentence', () => {
    const outcome: RunOutcome = { status: 'exception', exception: { reason: 'auth', message: 'Stripe refused the credentials.', stepPath: 'refund' }, calls: [], outputs: new Map() };
    assert.deepEqual(checkExpectations({ status: 'succeeded' }, outcome, FLOW), ["expected the run to end succeeded, it ended exception (auth at step 'refund'): Stripe refused the credentials."]);
    assert.deepEqual(checkExpectations({ status: 'exception', exception: { reason: 'validation', message: '^The ERP', step: 'post' } }, outcome, FLOW), [
      'expected exception reason validation, got auth: Stripe refused the credentials.',
      'expected the exception sentence to match /^The ERP/, got: Stripe refused the credentials.',
      "expected the exception at step 'post', it is at 'refund'",
    ]);
  });

  it('lists the calls made when their number is not the one expected', () => {
    const outcome: RunOutcome = { ...SUCCEEDED, calls: [call('refund', 503), call('refund', null)] };
    assert.deepEqual(checkExpectations({ status: 'succeeded', callCounts: { refund: 1 }, calls: [{ step: 'refund' }] }, outcome, FLOW), [
      'expected 1 call, the run made 2:\n  1. step refund, POST http://127.0.0.1:4010/v1/refunds → 503\n  2. step refund, POST http://127.0.0.1:4010/v1/refunds → connect ECONNREFUSED',
      "expected 1 call from step 'refund', it made 2:\n  1. step refund, POST http://127.0.0.1:4010/v1/refunds → 503\n  2. step refund, POST http://127.0.0.1:4010/v1/refunds → connect ECONNREFUSED",
    ]);
  });

  it('names the call and every difference in it', () => {
    const failures = checkExpectations(
      { status: 'succeeded', calls: [{ step: 'post', action: 'create-refund', method: 'PUT', status: 201, request: { payment_intent: 'pi_2' } }] },
      SUCCEEDED,
      FLOW,
    );
    assert.deepEqual(failures, [
      [
        'call 1 (step refund, POST http://127.0.0.1:4010/v1/refunds → 200):',
        "  expected step 'post', it was made by 'refund'",
        '  expected method PUT, got POST',
        '  expected response status 201, got 200',
        '  the request body differs:',
        '    at payment_intent: expected "pi_2", got "pi_1"',
      ].join('\n'),
    ]);
  });

  it('reports an output that differs and a step that never completed', () => {
    assert.deepEqual(checkExpectations({ status: 'succeeded', outputs: { refund: { id: 're_2' }, notify: {} } }, SUCCEEDED, FLOW), [
      "the output of step 'refund' differs:\n  at id: expected \"re_2\", got \"re_1\"",
      "expected an output of step 'notify', but it did not complete (completed: refund)",
    ]);
  });
});

describe('helpers', () => {
  it('reads a step id from a path and a body by its content type', () => {
    assert.equal(stepIdOf('lines[3].post'), 'post');
    assert.equal(stepIdOf('refund'), 'refund');
    assert.equal(stepIdOf('lines["A.1"].post'), 'post');
    assert.deepEqual(parseBody('a=1&b=x', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }), { a: '1', b: 'x' });
    assert.deepEqual(parseBody('{"a":1}', {}), { a: 1 });
    assert.equal(parseBody('plain…[truncated 9 bytes]', {}), 'plain…[truncated 9 bytes]');
    assert.equal(parseBody(null, {}), null);
  });
});
