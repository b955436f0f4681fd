import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStatus, describeFailure, extractMessage, reasonForStatus } from './classify-response.ts';

describe('classifyStatus', () => {
  it('classifies by default', () => {
    const expected: [number, string][] = [
      [200, 'ok'], [201, 'ok'], [204, 'ok'], [299, 'ok'],
      [408, 'retryable'], [425, 'retryable'], [429, 'retryable'], [500, 'retryable'], [503, 'retryable'], [599, 'retryable'],
      [400, 'permanent'], [401, 'permanent'], [404, 'permanent'], [409, 'permanent'], [422, 'permanent'],
      [100, 'permanent'], [301, 'permanent'], [304, 'permanent'],
    ];
    for (const [status, cls] of expected) assert.equal(classifyStatus(status), cls, String(status));
  });

  it('applies exact and pattern overrides, exact first, narrower pattern next', () => {
    const overrides = { '409': 'ok', '4xx': 'retryable', '40x': 'permanent', '5xx': 'permanent' } as const;
    assert.equal(classifyStatus(409, overrides), 'ok');
    assert.equal(classifyStatus(404, overrides), 'permanent');
    assert.equal(classifyStatus(422, overrides), 'retryable');
    assert.equal(classifyStatus(503, overrides), 'permanent');
    assert.equal(classifyStatus(200, overrides), 'ok');
    assert.equal(classifyStatus(429, { '404': 'retryable' }), 'retryable');
  });
});

describe('reasonForStatus', () => {
  it('maps statuses to exception reasons', () => {
    const expected: [number, string][] = [
      [401, 'auth'], [403, 'auth'], [400, 'validation'], [422, 'validation'], [404, 'not-found'], [410, 'not-found'],
      [409, 'conflict'], [429, 'rate-limited'], [408, 'timeout'], [504, 'timeout'], [500, 'destination-down'],
      [503, 'destination-down'], [405, 'bug'], [302, 'bug'],
    ];
    for (const [status, reason] of expected) assert.equal(reasonForStatus(status), reason, String(status));
  });
});

describe('extractMessage', () => {
  it('finds the message in common JSON error shapes', () => {
    const cases: [unknown, string][] = [
      [{ error: { message: "SKU 'ABC-9' does not exist" } }, "SKU 'ABC-9' does not exist"],
      [{ message: 'Invalid email' }, 'Invalid email'],
      [{ error: 'Not allowed' }, 'Not allowed'],
      [{ errors: [{ message: 'a is missing' }, { message: 'b is missing' }] }, 'a is missing; b is missing'],
      [{ errors: ['first', 'second'] }, 'first; second'],
      [{ errors: { title: ["can't be blank"], price: ['must be > 0'] } }, "title can't be blank; price must be > 0"],
      [{ errors: 'Not Found' }, 'Not Found'],
      [{ type: 'about:blank', title: 'Bad Request', detail: 'quantity must be positive' }, 'quantity must be positive'],
      [{ title: 'Conflict' }, 'Conflict'],
      [{ error: 'invalid_grant', error_description: 'Token expired' }, 'invalid_grant: Token expired'],
    ];
    for (const [body, message] of cases) assert.equal(extractMessage(JSON.stringify(body)), message);
  });

  it('falls back to short text, and gives nothing for HTML or shapeless JSON', () => {
    assert.equal(extractMessage('  Service\n  Unavailable.  '), 'Service Unavailable');
    assert.equal(extractMessage('<html><body>502 Bad Gateway</body></html>'), undefined);
    assert.equal(extractMessage('{"ok":false}'), undefined);
    assert.equal(extractMessage(''), undefined);
  });

  it('caps long messages at 200 characters', () => {
    const message = extractMessage(JSON.stringify({ message: 'x'.repeat(500) }))!;
    assert.equal(message.length, 200);
    assert.ok(message.endsWith('…'));
  });
});

describe('describeFailure', () => {
  const erp = { destination: 'the ERP', subject: 'order 5000123' };

  it('quotes the vendor on a rejection', () => {
    const responseBody = JSON.stringify({ error: { message: "SKU 'ABC-9' does not exist." } });
    assert.equal(describeFailure({ ...erp, status: 422, responseBody }), "The ERP rejected order 5000123: SKU 'ABC-9' does not exist (HTTP 422).");
    assert.equal(describeFailure({ destination: 'Shopify', status: 404 }), 'Shopify rejected the request (HTTP 404).');
  });

  it('names credential problems', () => {
    assert.equal(
      describeFailure({ ...erp, status: 401, responseBody: '{"message":"token expired"}' }),
      'The ERP refused our credentials for order 5000123: token expired (HTTP 401).',
    );
  });

  it('describes a failing and a rate-limiting destination', () => {
    assert.equal(describeFailure({ ...erp, status: 503, responseBody: 'Maintenance window' }), 'The ERP is failing (HTTP 503): Maintenance window.');
    assert.equal(describeFailure({ ...erp, status: 502, responseBody: '<html>Bad Gateway</html>' }), 'The ERP is failing (HTTP 502).');
    assert.equal(describeFailure({ ...erp, status: 429, responseBody: '{"message":"slow down"}' }), 'The ERP is rate-limiting us (HTTP 429).');
  });

  it('describes network errors and timeouts', () => {
    assert.equal(describeFailure({ ...erp, networkError: 'ECONNREFUSED' }), 'Could not reach the ERP: connection refused.');
    assert.equal(describeFailure({ ...erp, networkError: 'socket hang up' }), 'Could not reach the ERP: socket hang up.');
    assert.equal(describeFailure({ destination: 'erp.example.com' }), 'Could not reach erp.example.com.');
    assert.equal(describeFailure({ ...erp, timedOut: true, timeoutMs: 10_000 }), 'The ERP did not answer within 10 s.');
    assert.equal(describeFailure({ ...erp, timedOut: true, timeoutMs: 2500 }), 'The ERP did not answer within 2500 ms.');
    assert.equal(describeFailure({ ...erp, timedOut: true }), 'The ERP did not answer in time.');
  });

  it('describes unexpected statuses', () => {
    assert.equal(describeFailure({ ...erp, status: 302 }), 'The ERP gave an unexpected answer to order 5000123 (HTTP 302).');
  });
});
