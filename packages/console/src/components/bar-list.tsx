interface BarListProps {
  title: string;
  rows: { label: string; value: number; detail?: string }[];
  empty: string;
}

/** Horizontal bars as plain HTML: each row is readable text first, the bar only adds scale. */
export function BarList({ title, rows, empty }: BarListProps) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  return (
    <section class="panel" aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ul class="bars">
          {rows.map((row) => (
            <li key={row.label}>
              <span class="bar-label">{row.label}</span>
              <span class="bar-track" aria-hidden="true">
                <span class="bar" style={{ width: `${(row.value / max) * 100}%` }} />
              </span>
              <span class="bar-value">
                {row.value}
                {row.detail ? <span class="muted"> {row.detail}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
