/** An error or a loading line where a screen's content would be. */
export function Notice({ error, loading }: { error?: string | undefined; loading?: boolean }) {
  if (error) {
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  }
  return loading ? <p class="muted" aria-live="polite">Loading…</p> : null;
}
