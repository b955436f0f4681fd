import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSignInThrottle, MAX_FAILED_SIGN_INS, SIGN_IN_WINDOW_MS, type PasswordCheck } from './sign-in-throttle.ts';

function begun(check: ReturnType<ReturnType<typeof createSignInThrottle>['begin']>): PasswordCheck {
  assert.ok(!('pausedForMs' in check), 'a try was left');
  return check;
}

function pausedFor(check: ReturnType<ReturnType<typeof createSignInThrottle>['begin']>): number {
  assert.ok('pausedForMs' in check, 'no try was left');
  return check.pausedForMs;
}

describe('sign-in throttle', () => {
  it('pauses after the allowed wrong passwords until the oldest leaves the window', () => {
    let now = 1_000_000;
    const throttle = createSignInThrottle({ now: () => now });
    for (let i = 1; i < MAX_FAILED_SIGN_INS; i++) {
      assert.equal(begun(throttle.begin()).wrong(), false);
      now += 1_000;
    }
    assert.equal(begun(throttle.begin()).wrong(), true, 'the failure that pauses says so, once');
    assert.equal(pausedFor(throttle.begin()), SIGN_IN_WINDOW_MS - (MAX_FAILED_SIGN_INS - 1) * 1_000);
    now = 1_000_000 + SIGN_IN_WINDOW_MS + 1;
    begun(throttle.begin()).abandoned();
  });

  it('counts checks still running: of a burst sent at once, only the allowed number is checked', () => {
    let now = 0;
    const throttle = createSignInThrottle({ now: () => now });
    const burst = Array.from({ length: 3 * MAX_FAILED_SIGN_INS }, () => throttle.begin());
    const checks = burst.filter((check): check is PasswordCheck => !('pausedForMs' in check));
    assert.equal(checks.length, MAX_FAILED_SIGN_INS);
    assert.ok(pausedFor(burst.at(-1)!) > 0 && pausedFor(burst.at(-1)!) <= 1_000, 'told to come back once the checks end');
    now += 10;
    assert.deepEqual(
      checks.map((check) => check.wrong()),
      [...Array<boolean>(MAX_FAILED_SIGN_INS - 1).fill(false), true],
    );
    assert.equal(pausedFor(throttle.begin()), SIGN_IN_WINDOW_MS);
  });

  it('gives back the try of a check that could not finish', () => {
    const throttle = createSignInThrottle({ now: () => 0 });
    const checks = Array.from({ length: MAX_FAILED_SIGN_INS }, () => begun(throttle.begin()));
    pausedFor(throttle.begin());
    checks[0]!.abandoned();
    assert.throws(() => checks[0]!.wrong(), /ends once/);
    begun(throttle.begin());
  });

  it('forgets the failures once the right password is given', () => {
    let now = 0;
    const throttle = createSignInThrottle({ now: () => now });
    for (let i = 1; i < MAX_FAILED_SIGN_INS; i++) begun(throttle.begin()).wrong();
    begun(throttle.begin()).right();
    now += 1;
    assert.equal(begun(throttle.begin()).wrong(), false);
  });
});
