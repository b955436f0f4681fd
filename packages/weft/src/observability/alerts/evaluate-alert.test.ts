import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAlert, type AlertRule } from './evaluate-alert.ts';

const NOW = Date.UTC(2026, 0, 10);
const DAY = 86_400_000;
const notify = { webhook: 'https://alerts.example.com/in' };
const rule = (when: AlertRule['when']): AlertRule => ({ id: 'r', when, notify });

describe('evaluateAlert', () => {
  it('fires for a connection whose latest call got no answer, a 5xx or refused credentials, not for a data error', () => {
    const unhealthy = rule({ connectionUnhealthy: { connection: 'erp' } });
    const lastCall = (status: number | null, error: string | null = null) => ({ kind: 'connectionUnhealthy' as const, lastCall: { at: NOW - 10, status, error } });
    assert.deepEqual(evaluateAlert(unhealthy, { kind: 'connectionUnhealthy', lastCall: undefined }, NOW), { isFiring: false });
    for (const status of [200, 201, 404, 409, 422, 429]) assert.deepEqual(evaluateAlert(unhealthy, lastCall(status), NOW), { isFiring: false }, `HTTP ${status}`);
    assert.deepEqual(evaluateAlert(unhealthy, lastCall(503), NOW), {
      isFiring: true,
      summary: `Connection erp is failing: its latest call, at ${new Date(NOW - 10).toISOString()}, was answered HTTP 503.`,
    });
    assert.ok(evaluateAlert(unhealthy, lastCall(401), NOW).isFiring);
    const silent = evaluateAlert(unhealthy, lastCall(null, 'ECONNREFUSED'), NOW);
    assert.ok(silent.isFiring && silent.summary.endsWith('got no answer (ECONNREFUSED).'));
  });

  it('fires for tokens expiring within the window, soonest first, including expired ones', () => {
    const expiring = rule({ tokenExpiring: { withinDays: 7 } });
    const tokens = [
      { connection: 'later', expiresAt: NOW + 30 * DAY },
      { connection: 'shop', expiresAt: NOW + 3 * DAY },
      { connection: 'old', expiresAt: NOW - DAY },
    ];
    const verdict = evaluateAlert(expiring, { kind: 'tokenExpiring', tokens }, NOW);
    assert.ok(verdict.isFiring);
    assert.match(verdict.summary, /^OAuth tokens that cannot be refreshed expire within 7 days: old \(expired .*\), shop \(expires .*\)\. Run `weft connect <connection>` to renew\.$/);
    assert.doesNotMatch(verdict.summary, /later/);
    assert.deepEqual(evaluateAlert(expiring, { kind: 'tokenExpiring', tokens: [tokens[0]!] }, NOW), { isFiring: false });
  });

  it('fires when the oldest due run has waited longer than the limit', () => {
    const stuck = rule({ oldestDueRun: { olderThanMinutes: 15 } });
    assert.deepEqual(evaluateAlert(stuck, { kind: 'oldestDueRun', oldestDueAt: undefined }, NOW), { isFiring: false });
    assert.deepEqual(evaluateAlert(stuck, { kind: 'oldestDueRun', oldestDueAt: NOW - 15 * 60_000 }, NOW), { isFiring: false });
    const verdict = evaluateAlert(stuck, { kind: 'oldestDueRun', oldestDueAt: NOW - 20 * 60_000 }, NOW);
    assert.ok(verdict.isFiring && verdict.summary.startsWith('A run has waited 20 minutes to start (the limit is 15)'));
  });

  it('counts exceptions across all flows when the rule names none', () => {
    const verdict = evaluateAlert(rule({ exceptions: { above: 0, withinMinutes: 5 } }), { kind: 'exceptions', count: 1 }, NOW);
    assert.deepEqual(verdict, { isFiring: true, summary: 'More than 0 exceptions across all flows in the last 5 minutes.' });
  });

  it('refuses an observation of another kind than the rule watches', () => {
    assert.throws(() => evaluateAlert(rule({ oldestDueRun: { olderThanMinutes: 1 } }), { kind: 'exceptions', count: 3 }, NOW), /not what the rule watches/);
  });
});
