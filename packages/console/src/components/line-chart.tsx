export interface ChartSeries {
  name: string;
  className: string;
  values: (number | null)[];
}

interface LineChartProps {
  title: string;
  times: number[];
  series: ChartSeries[];
  format: (value: number) => string;
}

const WIDTH = 560;
const HEIGHT = 160;
const PAD = { left: 48, right: 8, top: 8, bottom: 20 };

function clockLabel(epochMs: number | undefined): string {
  if (epochMs === undefined) return '';
  const date = new Date(epochMs);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** A per-minute line chart as inline SVG: no chart library for a few polylines. */
export function LineChart({ title, times, series, format }: LineChartProps) {
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const max = Math.max(1, ...all);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (times.length <= 1 ? plotWidth : (index / (times.length - 1)) * plotWidth);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const latest = series.map((s) => `${s.name} ${formatLatest(s.values, format)}`).join(', ');
  return (
    <figure class="chart">
      <figcaption>
        {title}
        <span class="legend">
          {series.map((s) => (
            <span key={s.name} class={`legend-item ${s.className}`}>
              {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: latest ${latest}`}>
        {[0, 0.5, 1].map((share) => (
          <g key={share}>
            <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(max * share)} y2={y(max * share)} />
            <text class="axis" x={PAD.left - 6} y={y(max * share) + 4} text-anchor="end">
              {format(max * share)}
            </text>
          </g>
        ))}
        <text class="axis" x={PAD.left} y={HEIGHT - 4}>
          {clockLabel(times[0])}
        </text>
        <text class="axis" x={WIDTH - PAD.right} y={HEIGHT - 4} text-anchor="end">
          {clockLabel(times[times.length - 1])}
        </text>
        {series.map((s) => (
          <g key={s.name} class={`series ${s.className}`}>
            {segments(s.values).map((segment) =>
              segment.length === 1 ? (
                <circle key={segment[0]} class="dot" cx={x(segment[0]!)} cy={y(s.values[segment[0]!]!)} r={3} />
              ) : (
                <polyline key={segment[0]} points={segment.map((index) => `${x(index).toFixed(1)},${y(s.values[index]!).toFixed(1)}`).join(' ')} />
              ),
            )}
          </g>
        ))}
      </svg>
    </figure>
  );
}

/** Runs of consecutive minutes that have a value: a minute without one is a gap, not a zero. */
function segments(values: (number | null)[]): number[][] {
  const runs: number[][] = [];
  let current: number[] = [];
  values.forEach((value, index) => {
    if (value === null || value === undefined) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else {
      current.push(index);
    }
  });
  if (current.length > 0) runs.push(current);
  return runs;
}

function formatLatest(values: (number | null)[], format: (value: number) => string): string {
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i];
    if (value !== null && value !== undefined) return format(value);
  }
  return 'none';
}
