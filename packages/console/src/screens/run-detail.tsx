import type { RunDetail as Detail, TimelineEntry } from '../api-types.ts';
import { CallView } from '../components/call-view.tsx';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useConsole } from '../console-context.ts';
import { formatTime } from '../format.ts';
import { prettyJson } from '../json-diff.ts';
import { routeHref } from '../router.ts';
import { useLoader } from '../use-loader.ts';

const KIND_LABELS: Record<TimelineEntry['kind'], string> = {
  received: 'event received',
  claimed: 'claimed by a worker',
  step: 'step done',
  call: 'API call',
  retry: 'retry scheduled',
  waiting: 'waiting',
  exception: 'exception',
  completed: 'completed',
};

/** A run's life in time order: claims, steps, every call with its redacted payloads, waits. */
export function RunDetail({ id }: { id: string }) {
  const { api } = useConsole();
  const detail = useLoader(() => api.get<Detail>(`/runs/${encodeURIComponent(id)}`), [id], ['run'], 1_500);
  const data = detail.data;
  if (!data) return <Notice error={detail.error} loading={detail.loading} />;
  const { run, event, timeline } = data;
  return (
    <>
      <p class="crumbs">
        <a href={routeHref({ screen: 'runs' })}>Runs</a> / <a href={routeHref({ screen: 'runs', flow: run.flowId })}>{run.flowId}</a>
      </p>
      <h1>
        Run <code>{run.id}</code> <StatusBadge value={run.status} />
      </h1>
      <Notice error={detail.error} stale />
      <dl class="facts">
        <dt>Flow</dt>
        <dd>{run.flowId}</dd>
        <dt>Event</dt>
        <dd>
          <code>{run.eventId}</code> ({event.source})
        </dd>
        <dt>Ordering key</dt>
        <dd>{run.orderingKey ?? '—'}</dd>
        <dt>Claims</dt>
        <dd>{run.fence}</dd>
        <dt>Started</dt>
        <dd>{formatTime(run.createdAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(run.finishedAt)}</dd>
        {run.status === 'waiting' ? (
          <>
            <dt>Due</dt>
            <dd>{formatTime(run.dueAt)}</dd>
          </>
        ) : null}
        {run.lastError ? (
          <>
            <dt>Last error</dt>
            <dd>{run.lastError}</dd>
          </>
        ) : null}
      </dl>
      <section class="panel" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol class="timeline" aria-label="Run timeline">
          {timeline.map((entry, index) => (
            <li key={index} class={`tl-${entry.kind}`}>
              <span class="tl-time">{formatTime(entry.at)}</span>
              <span class="tl-kind">{KIND_LABELS[entry.kind] ?? entry.kind}</span>
              {entry.path ? <code class="tl-path">{entry.path}</code> : null}
              {entry.detail ? <span class="tl-detail">{entry.detail}</span> : null}
              {entry.call ? <CallView call={entry.call} /> : null}
            </li>
          ))}
        </ol>
      </section>
      <section class="panel" aria-labelledby="event-title">
        <h2 id="event-title">Event</h2>
        <details>
          <summary>Headers ({Object.keys(event.headers).length}, redacted)</summary>
          <pre class="code">{prettyJson(event.headers)}</pre>
        </details>
        <pre class="code">{prettyJson(event.body)}</pre>
      </section>
    </>
  );
}
