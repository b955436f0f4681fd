import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthError,
  ConflictError,
  ConnectorError,
  NotFoundError,
  PermanentError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  errorFromResponse,
  isConnectorError,
  parseRetryAfter,
  MAX_RETRY_AFTER_MS,
} from './errors.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('error classes', () => {
  it('carry a stable code, retryability and reason the engine branches on', () => {
    const error = new RateLimitedError('ERR_GITHUB_SECONDARY_LIMIT', { retryAfterMs: 60_000, status: 403 });
    assert.ok(error instanceof RetryableError && error instanceof ConnectorError && error instanceof Error);
    assert.equal(error.code, 'ERR_GITHUB_SECONDARY_LIMIT');
    assert.equal(error.retryable, true);
    assert.equal(error.reason, 'rate-limited');
    assert.equal(error.retryAfterMs, 60_000);
    assert.equal(error.status, 403);
    assert.equal(error.name, 'RateLimitedError');
  });

  it('default codes and reasons per class', () => {
    const cases: [ConnectorError, string, string, boolean][] = [
      [new RetryableError(), 'ERR_CONNECTOR_RETRYABLE', 'destination-down', true],
      [new RateLimitedError(), 'ERR_CONNECTOR_RATE_LIMITED', 'rate-limited', true],
      [new PermanentError(), 'ERR_CONNECTOR_PERMANENT', 'bug', false],
      [new AuthError(), 'ERR_CONNECTOR_AUTH', 'auth', false],
      [new NotFoundError(), 'ERR_CONNECTOR_NOT_FOUND', 'not-found', false],
      [new ConflictError(), 'ERR_CONNECTOR_CONFLICT', 'conflict', false],
      [new ValidationError(), 'ERR_CONNECTOR_VALIDATION', 'validation', false],
    ];
    for (const [error, code, reason, retryable] of cases) {
      assert.deepEqual([error.code, error.reason, error.retryable], [code, reason, retryable], error.name);
      assert.equal(error instanceof PermanentError, !retryable, error.name);
      assert.notEqual(error.message, code, `${error.name} has a sentence, not just its code`);
    }
  });

  it('lets a permanent error name its reason and keeps message, details and cause', () => {
    const cause = new Error('boom');
    const error = new PermanentError('ERR_SHOPIFY_BAD_MAPPING', { reason: 'mapping', message: 'No SKU on line 2.', details: { line: 2 }, cause });
    assert.equal(error.reason, 'mapping');
    assert.equal(error.message, 'No SKU on line 2.');
    assert.deepEqual(error.details, { line: 2 });
    assert.equal(error.cause, cause);
  });

  it('rejects malformed codes', () => {
    assert.throws(() => new RetryableError('shopify down'), /ERR_<AREA>_<WHAT>/);
    assert.throws(() => new AuthError('ERR_'), TypeError);
  });

  it('isConnectorError recognises errors from another copy of the SDK', () => {
    const foreign = new Error('x');
    Object.defineProperty(foreign, Symbol.for('weft.connector-error'), { value: true });
    assert.equal(isConnectorError(foreign), true);
    assert.equal(isConnectorError(new NotFoundError()), true);
    assert.equal(isConnectorError(new Error('plain')), false);
    assert.equal(isConnectorError(null), false);
  });
});

describe('errorFromResponse', () => {
  const from = (status: number, extra: Partial<Parameters<typeof errorFromResponse>[0]> = {}) =>
    errorFromResponse({ status, headers: {}, body: undefined, now: NOW, ...extra });

  it('maps statuses to classes', () => {
    const table: [number, new () => ConnectorError, string][] = [
      [401, AuthError, 'auth'],
      [403, AuthError, 'auth'],
      [404, NotFoundError, 'not-found'],
      [410, NotFoundError, 'not-found'],
      [409, ConflictError, 'conflict'],
      [400, ValidationError, 'validation'],
      [422, ValidationError, 'validation'],
      [429, RateLimitedError, 'rate-limited'],
      [408, RetryableError, 'timeout'],
      [425, RetryableError, 'destination-down'],
      [500, RetryableError, 'destination-down'],
      [503, RetryableError, 'destination-down'],
      [504, RetryableError, 'timeout'],
      [405, PermanentError, 'bug'],
      [302, PermanentError, 'bug'],
    ];
    for (const [status, Class, reason] of table) {
      const error = from(status);
      assert.equal(error.constructor, Class, `HTTP ${status}`);
      assert.equal(error.reason, reason, `HTTP ${status}`);
      assert.equal(error.status, status);
    }
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    const seconds = from(429, { headers: { 'Retry-After': '120' } });
    assert.ok(seconds instanceof RateLimitedError);
    assert.equal(seconds.retryAfterMs, 120_000);
    const date = from(429, { headers: { 'retry-after': 'Thu, 01 Jan 2026 12:00:30 GMT' } });
    assert.ok(date instanceof RateLimitedError);
    assert.equal(date.retryAfterMs, 30_000);
    const none = from(429);
    assert.ok(none instanceof RateLimitedError);
    assert.equal(none.retryAfterMs, undefined);
  });

  it("uses the vendor's words in the message", () => {
    assert.equal(from(422, { vendorMessage: 'SKU ABC-9 does not exist' }).message, 'The destination rejected the data we sent: SKU ABC-9 does not exist (HTTP 422)');
    assert.match(from(422, { body: { errors: [{ message: 'title is required' }, { message: 'price < 0' }] } }).message, /title is required; price < 0/);
    assert.match(from(400, { body: { error: { message: 'bad field' } } }).message, /: bad field \(HTTP 400\)$/);
    assert.match(from(401, { body: { error: 'invalid_token', error_description: 'expired.' } }).message, /: expired \(HTTP 401\)$/);
    assert.equal(from(503, { body: '<html><body>Bad gateway</body></html>' }).message, 'The destination is failing (HTTP 503)');
    const long = from(400, { body: 'x'.repeat(500) }).message;
    assert.match(long, /: x{199}… \(HTTP 400\)$/);
    assert.doesNotMatch(long, /x{200}/);
  });
});

describe('parseRetryAfter', () => {
  it('reads the three HTTP-date forms and delta-seconds', () => {
    assert.equal(parseRetryAfter('0', NOW), 0);
    assert.equal(parseRetryAfter(' 5 ', NOW), 5000);
    assert.equal(parseRetryAfter('Thursday, 01-Jan-26 12:01:00 GMT', NOW), 60_000);
    assert.equal(parseRetryAfter('Thu Jan  1 12:00:10 2026', NOW), 10_000);
  });

  it('takes a wait over a day as a day, however far the vendor asks', () => {
    assert.equal(parseRetryAfter('86400', NOW), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter('99999999999999999999', NOW), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter('Mon, 01 Jan 2029 12:00:00 GMT', NOW), MAX_RETRY_AFTER_MS);
  });

  it('treats a past date as no wait and rejects junk', () => {
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', NOW), 0);
    assert.equal(parseRetryAfter('2026-01-01T12:00:00Z', NOW), undefined);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 CET', NOW), undefined);
    assert.equal(parseRetryAfter('-5', NOW), undefined);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
  });
});
