import { useState } from 'preact/hooks';
import type { FlowSummary } from '../api-types.ts';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useConsole } from '../console-context.ts';
import { routeHref } from '../router.ts';
import { useInFlight } from '../use-in-flight.ts';
import { useLoader } from '../use-loader.ts';

const COUNTED = ['queued', 'running', 'waiting', 'completed', 'exception'];

/** Every loaded flow with its run counts; an admin can stop one taking work and start it again. */
export function Flows() {
  const { api, session } = useConsole();
  const flows = useLoader(() => api.get<{ items: FlowSummary[] }>('/flows'), [], ['run'], 2_000);
  const [error, setError] = useState<string>();
  const isAdmin = session.role === 'admin';
  const inFlight = useInFlight();
  // Busy until the list shows the new state: the button must not offer the old action meanwhile.
  const toggle = (flow: FlowSummary) =>
    inFlight.run(`toggle ${flow.id}`, async () => {
      setError(undefined);
      try {
        await api.post(`/flows/${encodeURIComponent(flow.id)}/${flow.enabled ? 'disable' : 'enable'}`);
        await flows.reload();
      } catch (failure) {
        setError((failure as Error).message);
      }
    });
  return (
    <>
      <h1>Flows</h1>
      <Notice error={error ?? flows.error} loading={flows.loading && !flows.data} stale={error === undefined && Boolean(flows.data)} />
      {flows.data ? (
        <table aria-label="Flows">
          <thead>
            <tr>
              <th scope="col">Flow</th>
              <th scope="col">Trigger</th>
              <th scope="col" class="num">Steps</th>
              {COUNTED.map((status) => (
                <th key={status} scope="col" class="num">
                  {status}
                </th>
              ))}
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {flows.data.items.map((flow) => (
              <tr key={flow.id}>
                <td>
                  <a href={routeHref({ screen: 'runs', flow: flow.id })}>{flow.name ?? flow.id}</a>
                  {flow.name ? <span class="muted"> {flow.id}</span> : null}
                </td>
                <td>
                  {flow.trigger}
                  {flow.path ? <code> /hooks/{flow.path}</code> : null}
                </td>
                <td class="num">{flow.steps}</td>
                {COUNTED.map((status) => (
                  <td key={status} class="num">
                    {status === 'exception' && (flow.counts[status] ?? 0) > 0 ? (
                      <a href={routeHref({ screen: 'exceptions', flow: flow.id })}>{flow.counts[status]}</a>
                    ) : (
                      (flow.counts[status] ?? 0)
                    )}
                  </td>
                ))}
                <td>
                  <StatusBadge value={flow.enabled ? 'enabled' : 'disabled'} />{' '}
                  <button
                    type="button"
                    disabled={!isAdmin || inFlight.isBusy(`toggle ${flow.id}`)}
                    title={isAdmin ? undefined : 'admins only'}
                    onClick={() => void toggle(flow)} aria-label={`${flow.enabled ? 'Disable' : 'Enable'} flow ${flow.id}`}>
                    {flow.enabled ? 'Disable' : 'Enable'}
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
