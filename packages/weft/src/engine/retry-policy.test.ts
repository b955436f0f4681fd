import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_POLICY, nextAttempt, resolveRetryPolicy, type RetryPolicy } from './retry-policy.ts';

const T0 = Date.UTC(2026, 0, 1);
const policy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 10_000, maxAgeMs: 60_000 };
const fixed = (value: number) => () => value;

describe('resolveRetryPolicy', () => {
  it('defaults to 8 attempts, 1 s initial, 5 min max delay, 24 h max age', () => {
    assert.deepEqual(resolveRetryPolicy(), { maxAttempts: 8, initialDelayMs: 1000, maxDelayMs: 300_000, maxAgeMs: 86_400_000 });
    assert.deepEqual(resolveRetryPolicy(undefined, undefined), DEFAULT_RETRY_POLICY);
  });

  it('lets later layers override earlier ones field by field, converting durations', () => {
    const flow = { maxAttempts: 3, initialDelay: '2s', maxAge: '1h' };
    const step = { initialDelay: 500, maxDelay: '1m' };
    assert.deepEqual(resolveRetryPolicy(flow, undefined, step), {
      maxAttempts: 3,
      initialDelayMs: 500,
      maxDelayMs: 60_000,
      maxAgeMs: 3_600_000,
    });
  });

  it('does not mutate the default', () => {
    resolveRetryPolicy({ maxAttempts: 2 });
    assert.equal(DEFAULT_RETRY_POLICY.maxAttempts, 8);
  });
});

describe('nextAttempt', () => {
  const base = { firstAttemptAt: T0, now: T0 };

  it('doubles the ceiling per attempt and scales it by random (full jitter)', () => {
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 1, random: fixed(0.5) }), { retry: true, at: T0 + 500 });
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 3, random: fixed(0.5) }), { retry: true, at: T0 + 2000 });
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 2, random: fixed(0) }), { retry: true, at: T0 });
  });

  it('caps the ceiling at maxDelay', () => {
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 4, random: fixed(0.999) }), { retry: true, at: T0 + 7992 });
    const patient = { ...policy, maxAttempts: 1000, maxAgeMs: Infinity, initialDelayMs: 0 };
    assert.deepEqual(nextAttempt(patient, { ...base, attemptsMade: 900, random: fixed(1) }), { retry: true, at: T0 });
    const capped = { ...policy, maxAttempts: 1000 };
    assert.deepEqual(nextAttempt(capped, { ...base, attemptsMade: 900, random: fixed(0.5) }), { retry: true, at: T0 + 5000 });
  });

  it('stops when the attempts are used up', () => {
    assert.equal(nextAttempt(policy, { ...base, attemptsMade: 4, random: fixed(0) }).retry, true);
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 5, random: fixed(0) }), { retry: false, why: 'attempts' });
  });

  it('stops when the retry would land after maxAge', () => {
    const late = { firstAttemptAt: T0, now: T0 + 59_000, attemptsMade: 1 };
    assert.deepEqual(nextAttempt(policy, { ...late, random: fixed(1) }), { retry: true, at: T0 + 60_000 });
    assert.deepEqual(nextAttempt(policy, { ...late, now: T0 + 59_001, random: fixed(1) }), { retry: false, why: 'age' });
  });

  it('treats Retry-After as a floor that may exceed maxDelay', () => {
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 1, retryAfterMs: 30_000, random: fixed(0.5) }), { retry: true, at: T0 + 30_000 });
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 4, retryAfterMs: 100, random: fixed(0.5) }), { retry: true, at: T0 + 4000 });
    assert.deepEqual(nextAttempt(policy, { ...base, attemptsMade: 1, retryAfterMs: 61_000, random: fixed(0) }), { retry: false, why: 'age' });
  });
});
