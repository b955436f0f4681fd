import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSignInThrottle, MAX_FAILED_SIGN_INS, SIGN_IN_WINDOW_MS } from './sign-in-throttle.ts';

describe('sign-in throttle', () => {
  it('pauses after the allowed wrong passwords until the oldest leaves the window', () => {
    let now = 1_000_000;
    const throttle = createSignInThrottle({ now: () => now });
    for (let i = 1; i < MAX_FAILED_SIGN_INS; i++) {
      assert.equal(throttle.failed(), false);
      now += 1_000;
    }
    assert.equal(throttle.pausedForMs(), 0, 'one wrong password short of the pause');
    assert.equal(throttle.failed(), true, 'the failure that pauses says so, once');
    assert.equal(throttle.pausedForMs(), SIGN_IN_WINDOW_MS - (MAX_FAILED_SIGN_INS - 1) * 1_000);
    now = 1_000_000 + SIGN_IN_WINDOW_MS + 1;
    assert.equal(throttle.pausedForMs(), 0, 'the oldest failure left the window');
  });

  it('forgets the failures once the right password is given', () => {
    let now = 0;
    const throttle = createSignInThrottle({ now: () => now });
    for (let i = 1; i < MAX_FAILED_SIGN_INS; i++) throttle.failed();
    throttle.succeeded();
    now += 1;
    assert.equal(throttle.failed(), false);
    assert.equal(throttle.pausedForMs(), 0);
  });
});
