import type { MetricsSummary } from '../api-types.ts';
import { BarList } from '../components/bar-list.tsx';
import { LineChart } from '../components/line-chart.tsx';
import { Notice } from '../components/notice.tsx';
import { useConsole } from '../console-context.ts';
import { formatDuration, formatPercent } from '../format.ts';
import { useLoader } from '../use-loader.ts';

const MINUTES = 60;

function lastKnown(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!;
  return null;
}

/** Rates, success and latency for the last hour, refreshed from the live feed. */
export function Overview() {
  const { api } = useConsole();
  const summary = useLoader(() => api.get<MetricsSummary>('/metrics/summary', { minutes: MINUTES }), [], ['metrics', 'run', 'exception'], 2_000);
  const data = summary.data;
  if (!data) return <Notice error={summary.error} loading={summary.loading} />;
  const times = data.perMinute.map((m) => m.minute);
  const eventsIn = data.perMinute.reduce((sum, m) => sum + m.eventsIn, 0);
  const completed = data.perMinute.reduce((sum, m) => sum + m.runsCompleted, 0);
  const openExceptions = Object.values(data.openExceptionsByReason).reduce((a, b) => a + b, 0);
  const count = (value: number) => String(Math.round(value));
  return (
    <>
      <h1>Overview</h1>
      <Notice error={summary.error} stale />
      <section class="tiles" aria-label="Last hour">
        <Tile label="Events in (1 h)" value={String(eventsIn)} />
        <Tile label="Runs completed (1 h)" value={String(completed)} />
        <Tile label="Success rate" value={formatPercent(data.successRate)} />
        <Tile label="Latency p50" value={formatDuration(lastKnown(data.perMinute.map((m) => m.p50Ms)))} />
        <Tile label="Latency p99" value={formatDuration(lastKnown(data.perMinute.map((m) => m.p99Ms)))} />
        <Tile label="Open exceptions" value={String(openExceptions)} />
      </section>
      <div class="charts">
        <LineChart
          title="Events in and runs out per minute"
          times={times}
          format={count}
          series={[
            { name: 'events in', className: 's1', values: data.perMinute.map((m) => m.eventsIn) },
            { name: 'runs completed', className: 's2', values: data.perMinute.map((m) => m.runsCompleted) },
            { name: 'exceptions', className: 's3', values: data.perMinute.map((m) => m.exceptions) },
          ]}
        />
        <LineChart
          title="Run latency per minute"
          times={times}
          format={(ms) => formatDuration(ms)}
          series={[
            { name: 'p50', className: 's1', values: data.perMinute.map((m) => m.p50Ms) },
            { name: 'p99', className: 's3', values: data.perMinute.map((m) => m.p99Ms) },
          ]}
        />
      </div>
      <div class="columns">
        <BarList
          title="Open exceptions by reason"
          empty="No open exceptions."
          rows={Object.entries(data.openExceptionsByReason)
            .map(([reason, value]) => ({ label: reason, value }))
            .sort((a, b) => b.value - a.value)}
        />
        <BarList
          title="By flow (1 h)"
          empty="No flow ran in the last hour."
          rows={data.byFlow.map((f) => ({ label: f.flowId, value: f.eventsIn, detail: `in · ${f.completed} completed · ${f.exceptions} exceptions` }))}
        />
        <BarList
          title="By connection (1 h)"
          empty="No outbound calls in the last hour."
          rows={data.byConnection.map((c) => ({ label: c.connection, value: c.calls, detail: `calls · ${c.errors} errors` }))}
        />
      </div>
    </>
  );
}

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div class="tile">
      <span class="tile-label">{label}</span>
      <span class="tile-value">{value}</span>
    </div>
  );
}
