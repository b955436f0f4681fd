/** A coloured word: run statuses, exception statuses, health and breaker states. */
export function StatusBadge({ value }: { value: string }) {
  return <span class={`badge badge-${value}`}>{value}</span>;
}
