import type { Store } from '../../store/store.ts';
import type { AlertObservation, AlertRule } from './evaluate-alert.ts';

export interface AlertSources {
  store: Pick<Store, 'listExceptions' | 'queueStats' | 'operations'>;
  /** OAuth token sets that cannot renew themselves (no refresh token), with their expiry. */
  unrenewableTokens(): Promise<Array<{ connection: string; expiresAt: number }>>;
}

/** Measures what one rule watches. Each rule asks for exactly what it needs, nothing is read for rules not configured. */
export async function observeAlert(rule: AlertRule, sources: AlertSources, now: number): Promise<AlertObservation> {
  const { when } = rule;
  const { store } = sources;
  if ('exceptions' in when) {
    const { flow, above, withinMinutes } = when.exceptions;
    // Newest first: the first `above + 1` tell whether more than `above` fall in the window.
    const newest = await store.listExceptions({ ...(flow === undefined ? {} : { flowId: flow }), limit: above + 1 });
    const since = now - withinMinutes * 60_000;
    return { kind: 'exceptions', count: newest.filter((exception) => exception.createdAt >= since).length };
  }
  if ('connectionUnhealthy' in when) {
    // A call still in flight (or cut short by a stop) says nothing yet about the connection's health.
    const [latest] = (await store.operations.pageCalls({ connection: when.connectionUnhealthy.connection, answered: true, limit: 1, now })).items;
    return { kind: 'connectionUnhealthy', lastCall: latest && { at: latest.at, status: latest.status, error: latest.error } };
  }
  if ('tokenExpiring' in when) return { kind: 'tokenExpiring', tokens: await sources.unrenewableTokens() };
  const stats = await store.queueStats?.(now);
  return { kind: 'oldestDueRun', oldestDueAt: stats?.oldestDueAt };
}
