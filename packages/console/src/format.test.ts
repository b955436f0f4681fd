import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, formatBody, formatDuration, formatPercent, formatTime } from './format.ts';

describe('console formatting', () => {
  it('says ages in the largest unit that reads at a glance', () => {
    const now = 1_000_000_000;
    assert.equal(formatAge(now - 42_000, now), '42s');
    assert.equal(formatAge(now - 5 * 60_000, now), '5m');
    assert.equal(formatAge(now - (3 * 60 + 7) * 60_000, now), '3h 7m');
    assert.equal(formatAge(now - 3 * 24 * 3_600_000, now), '3d');
    assert.equal(formatAge(now + 5_000, now), '0s', 'a clock a little ahead is not a negative age');
  });

  it('keeps milliseconds below a second and seconds above', () => {
    assert.equal(formatDuration(12.4), '12 ms');
    assert.equal(formatDuration(1_234), '1.23 s');
    assert.equal(formatDuration(null), '—');
  });

  it('shows a rate as a percentage, and nothing when there is none', () => {
    assert.equal(formatPercent(0.8333), '83.3%');
    assert.equal(formatPercent(1), '100%');
    assert.equal(formatPercent(null), '—');
  });

  it('pretty-prints a JSON body and leaves other text alone', () => {
    assert.equal(formatBody('{"a":1}'), '{\n  "a": 1\n}');
    assert.equal(formatBody('<html>502</html>'), '<html>502</html>');
    assert.equal(formatBody(null), '(empty)');
  });

  it('says which zone a time is in, so it can be set beside a vendor log in UTC', (t) => {
    const saved = process.env.TZ;
    t.after(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });
    const noonUtc = Date.UTC(2026, 10, 27, 12, 0, 0, 5);
    process.env.TZ = 'Asia/Kolkata';
    assert.equal(formatTime(noonUtc), '2026-11-27 17:30:00.005 +05:30');
    process.env.TZ = 'America/New_York';
    assert.equal(formatTime(noonUtc), '2026-11-27 07:00:00.005 -05:00');
    process.env.TZ = 'UTC';
    assert.equal(formatTime(noonUtc), '2026-11-27 12:00:00.005 +00:00');
    assert.equal(formatTime(null), '—');
  });
});
