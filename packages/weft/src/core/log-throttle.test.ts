import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogThrottle } from './log-throttle.ts';

describe('createLogThrottle', () => {
  it('reports the first occurrence, then once per interval with the count since the last report', () => {
    let now = 0;
    const throttle = createLogThrottle({ now: () => now }, 10_000);
    assert.equal(throttle.occurred(), 1);
    now = 4_000;
    assert.equal(throttle.occurred(), undefined);
    now = 9_999;
    assert.equal(throttle.occurred(), undefined);
    now = 10_000;
    assert.equal(throttle.occurred(), 3);
    now = 30_000;
    assert.equal(throttle.occurred(), 1);
  });
});
