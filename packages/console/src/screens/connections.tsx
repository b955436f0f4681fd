import { useEffect, useState } from 'preact/hooks';
import type { ConnectionRateLimit, ConnectionSummary, RateLimit } from '../api-types.ts';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useConsole } from '../console-context.ts';
import { formatAge, formatTime } from '../format.ts';
import { useInFlight } from '../use-in-flight.ts';
import { useLoader } from '../use-loader.ts';
import { useNow } from '../use-now.ts';

function describeLimit(limit: RateLimit): string {
  const parts = [
    limit.requestsPerSecond === undefined ? undefined : `${limit.requestsPerSecond}/s`,
    limit.burst === undefined ? undefined : `burst ${limit.burst}`,
    limit.concurrency === undefined ? undefined : `${limit.concurrency} at once`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no limit declared';
}

function describeRateLimit(state: ConnectionRateLimit | null | undefined, now: number): string {
  if (!state) return '—';
  const endpoints = Object.entries(state.limits.perEndpoint ?? {}).map(([action, limit]) => `${action}: ${describeLimit(limit)}`);
  const paused = state.pausedUntil !== null && state.pausedUntil > now ? `paused for ${formatAge(now, state.pausedUntil)} · ` : '';
  return paused + [describeLimit(state.limits), ...endpoints].join(' · ');
}

/** Connections' health, limits, breakers and token expiry; admins test and (re)connect them. */
export function Connections() {
  const { api, session } = useConsole();
  const now = useNow();
  const connections = useLoader(() => api.get<{ items: ConnectionSummary[] }>('/connections'), [], ['run'], 5_000);
  const [message, setMessage] = useState<{ text: string; isError: boolean }>();
  const isAdmin = session.role === 'admin';
  useEffect(() => {
    window.addEventListener('focus', connections.reload);
    return () => window.removeEventListener('focus', connections.reload);
  }, [connections.reload]);

  const inFlight = useInFlight();
  // A test calls the vendor: a double click must not run it twice.
  const test = (connection: ConnectionSummary) =>
    inFlight.run(`test ${connection.id}`, async () => {
      try {
        const answer = await api.post<{ ok: boolean; detail: string }>(`/connections/${encodeURIComponent(connection.id)}/test`);
        setMessage({ text: `${connection.id}: ${answer.ok ? 'works' : 'fails'} — ${answer.detail}`, isError: !answer.ok });
        void connections.reload();
      } catch (failure) {
        setMessage({ text: `${connection.id}: ${(failure as Error).message}`, isError: true });
      }
    });
  // One consent tab per click, not two.
  const connect = (connection: ConnectionSummary) =>
    inFlight.run(`connect ${connection.id}`, async () => {
      try {
        const { url } = await api.get<{ url: string }>(`/connections/${encodeURIComponent(connection.id)}/authorize`);
        // The provider's consent page opens beside the console; the engine's callback page ends there.
        window.open(url, '_blank', 'noopener');
        setMessage({ text: `${connection.id}: finish signing in in the new tab; this list refreshes when you come back.`, isError: false });
      } catch (failure) {
        setMessage({ text: `${connection.id}: ${(failure as Error).message}`, isError: true });
      }
    });

  return (
    <>
      <h1>Connections</h1>
      <Notice error={connections.error} loading={connections.loading && !connections.data} stale={Boolean(connections.data)} />
      {message ? (
        <p class={message.isError ? 'error' : 'success'} role="status">
          {message.text}
        </p>
      ) : null}
      {connections.data && connections.data.items.length === 0 ? <p class="muted">No connections yet: `weft connections add` creates one.</p> : null}
      {connections.data && connections.data.items.length > 0 ? (
        <table aria-label="Connections">
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Health</th>
              <th scope="col">Last success</th>
              <th scope="col">Last failure</th>
              <th scope="col">Token expires</th>
              <th scope="col">Rate limit</th>
              <th scope="col">Breaker</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {connections.data.items.map((connection) => (
              <tr key={connection.id}>
                <td>
                  <strong>{connection.id}</strong> <span class="muted">{connection.connectorId}</span>
                </td>
                <td>
                  <StatusBadge value={connection.health} />
                </td>
                <td>{connection.lastSuccessAt ? `${formatAge(connection.lastSuccessAt, now)} ago` : '—'}</td>
                <td>{connection.lastFailureAt ? `${formatAge(connection.lastFailureAt, now)} ago` : '—'}</td>
                <td title={formatTime(connection.tokenExpiresAt)}>
                  {connection.tokenExpiresAt === null ? '—' : connection.tokenExpiresAt < now ? 'expired' : `in ${formatAge(now, connection.tokenExpiresAt)}`}
                </td>
                <td class="clip">{describeRateLimit(connection.rateLimit, now)}</td>
                <td>
                  <StatusBadge value={connection.breaker} />
                </td>
                <td class="nowrap">
                  <button type="button" disabled={!isAdmin || inFlight.isBusy(`test ${connection.id}`)} onClick={() => void test(connection)} aria-label={`Test connection ${connection.id}`}>
                    Test
                  </button>{' '}
                  <button type="button" disabled={!isAdmin || inFlight.isBusy(`connect ${connection.id}`)} onClick={() => void connect(connection)} aria-label={`Connect ${connection.id} with OAuth`}>
                    Connect
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
