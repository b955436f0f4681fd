import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/clock.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';

const OPTIONS = { failureThreshold: 3, coolDownMs: 10_000, maxCoolDownMs: 40_000, probeTimeoutMs: 30_000 };

function failTimes(breaker: ReturnType<typeof createCircuitBreaker>, times: number): void {
  for (let i = 0; i < times; i++) {
    const admission = breaker.admit();
    assert.equal(admission.ok, true);
    breaker.record('failure', admission.ok && admission.probe);
  }
}

describe('createCircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and tells callers when to come back', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(OPTIONS, clock);
    failTimes(breaker, 2);
    breaker.record('success', false);
    failTimes(breaker, 2);
    assert.equal(breaker.state().status, 'closed', 'a success in between resets the count');
    failTimes(breaker, 1);
    assert.deepEqual(breaker.admit(), { ok: false, retryAt: clock.now() + 10_000 });
  });

  it('lets exactly one probe through when the cool-down ends, and closes on its success', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(OPTIONS, clock);
    failTimes(breaker, 3);
    clock.advance(10_000);
    assert.deepEqual(breaker.admit(), { ok: true, probe: true });
    const waiting = breaker.admit();
    assert.equal(waiting.ok, false, 'a second caller waits while the probe is out');
    clock.advance(200);
    breaker.record('success', true);
    assert.deepEqual(breaker.admit(), { ok: true, probe: false });
    assert.deepEqual(breaker.state(), { status: 'closed', failures: 0 });
  });

  it('re-opens with a doubled cool-down, capped, when probes fail', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(OPTIONS, clock);
    failTimes(breaker, 3);
    const coolDowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { until } = breaker.state() as { until: number };
      clock.set(until);
      assert.deepEqual(breaker.admit(), { ok: true, probe: true });
      breaker.record('failure', true);
      coolDowns.push((breaker.state() as { coolDownMs: number }).coolDownMs);
    }
    assert.deepEqual(coolDowns, [20_000, 40_000, 40_000, 40_000]);
  });

  it('ignores stragglers admitted before it opened', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(OPTIONS, clock);
    const straggler = breaker.admit();
    assert.deepEqual(straggler, { ok: true, probe: false });
    failTimes(breaker, 3);
    breaker.record('success', false);
    assert.equal(breaker.state().status, 'open');
    clock.advance(10_000);
    breaker.admit();
    breaker.record('success', false);
    assert.equal(breaker.state().status, 'half-open');
  });

  it('waits no longer than a cool-down or a probe timeout from now when the clock is set back', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(OPTIONS, clock);
    failTimes(breaker, 3);
    clock.advance(-3_600_000);
    assert.deepEqual(breaker.admit(), { ok: false, retryAt: clock.now() + 10_000 }, 'open for its 10 s, not an hour more');
    clock.advance(10_000);
    assert.deepEqual(breaker.admit(), { ok: true, probe: true });
    // The probe never reports, and the clock goes back again.
    clock.advance(-3_600_000);
    assert.deepEqual(breaker.admit(), { ok: false, retryAt: clock.now() + 10_000 });
    clock.advance(30_000);
    assert.deepEqual(breaker.admit(), { ok: true, probe: true }, 'the silent probe is presumed lost after its 30 s');
  });

  it('opens for no longer than maxCoolDownMs, whatever its first cool-down', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker({ ...OPTIONS, coolDownMs: 90_000 }, clock);
    failTimes(breaker, 3);
    assert.deepEqual(breaker.admit(), { ok: false, retryAt: clock.now() + 40_000 });
  });

  it('frees the probe when it was never sent, and presumes a silent probe lost after its timeout', () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(OPTIONS, clock);
    failTimes(breaker, 3);
    clock.advance(10_000);
    assert.deepEqual(breaker.admit(), { ok: true, probe: true });
    breaker.record('unsent', true);
    assert.deepEqual(breaker.admit(), { ok: true, probe: true }, 'an unsent probe proves nothing; the next caller probes');
    clock.advance(29_999);
    assert.equal(breaker.admit().ok, false);
    clock.advance(1);
    assert.deepEqual(breaker.admit(), { ok: true, probe: true });
  });
});
