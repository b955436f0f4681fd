import type { Static } from '@sinclair/typebox';
import type { AlertRuleSchema } from '../../config.ts';

export type AlertRule = Static<typeof AlertRuleSchema>;

/** What was measured for one rule; the evaluator turns it into a verdict without I/O. */
export type AlertObservation =
  /** Counted up to `above + 1`: enough to decide, without reading every exception of a bad hour. */
  | { kind: 'exceptions'; count: number }
  /** The latest call through the connection, if any. */
  | { kind: 'connectionUnhealthy'; lastCall: { at: number; status: number | null; error: string | null } | undefined }
  | { kind: 'tokenExpiring'; tokens: Array<{ connection: string; expiresAt: number }> }
  | { kind: 'oldestDueRun'; oldestDueAt: number | undefined };

export type AlertVerdict = { isFiring: true; summary: string } | { isFiring: false };

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Whether a rule fires, and the sentence an operator reads when it does. Pure: `now` is passed in. */
export function evaluateAlert(rule: AlertRule, observation: AlertObservation, now: number): AlertVerdict {
  const { when } = rule;
  if ('exceptions' in when && observation.kind === 'exceptions') {
    const { flow, above, withinMinutes } = when.exceptions;
    if (observation.count <= above) return { isFiring: false };
    const where = flow === undefined ? 'across all flows' : `in flow ${flow}`;
    return { isFiring: true, summary: `More than ${above} exceptions ${where} in the last ${withinMinutes} minutes.` };
  }
  if ('connectionUnhealthy' in when && observation.kind === 'connectionUnhealthy') {
    const { lastCall } = observation;
    if (lastCall === undefined || !isUnhealthyAnswer(lastCall.status)) return { isFiring: false };
    const answer = lastCall.status === null ? `got no answer (${lastCall.error ?? 'no response'})` : `was answered HTTP ${lastCall.status}`;
    return { isFiring: true, summary: `Connection ${when.connectionUnhealthy.connection} is failing: its latest call, at ${iso(lastCall.at)}, ${answer}.` };
  }
  if ('tokenExpiring' in when && observation.kind === 'tokenExpiring') {
    const horizon = now + when.tokenExpiring.withinDays * DAY_MS;
    const expiring = observation.tokens.filter((token) => token.expiresAt <= horizon).sort((a, b) => a.expiresAt - b.expiresAt);
    if (expiring.length === 0) return { isFiring: false };
    const list = expiring.map((token) => `${token.connection} (${token.expiresAt <= now ? 'expired' : 'expires'} ${iso(token.expiresAt)})`).join(', ');
    return { isFiring: true, summary: `OAuth tokens that cannot be refreshed expire within ${when.tokenExpiring.withinDays} days: ${list}. Run \`weft connect <connection>\` to renew.` };
  }
  if ('oldestDueRun' in when && observation.kind === 'oldestDueRun') {
    const { oldestDueAt } = observation;
    const limitMs = when.oldestDueRun.olderThanMinutes * MINUTE_MS;
    if (oldestDueAt === undefined || now - oldestDueAt <= limitMs) return { isFiring: false };
    return {
      isFiring: true,
      summary: `A run has waited ${Math.floor((now - oldestDueAt) / MINUTE_MS)} minutes to start (the limit is ${when.oldestDueRun.olderThanMinutes}): workers are stopped or overloaded.`,
    };
  }
  throw new Error(`alert ${rule.id}: observed ${observation.kind}, which is not what the rule watches`);
}

/**
 * What says the destination or its credentials are broken, rather than one record: no answer,
 * a server error, or credentials refused. A 404 or 422 is about the data sent.
 */
function isUnhealthyAnswer(status: number | null): boolean {
  return status === null || status >= 500 || status === 401 || status === 403;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
