/**
 * An error or a loading line where a screen's content would be. `stale`: the content from an
 * earlier load stays on screen, so the error must say that it is no longer current.
 */
export function Notice({ error, loading, stale = false }: { error?: string | undefined; loading?: boolean; stale?: boolean }) {
  if (error) {
    return (
      <p class="error" role="alert">
        {stale ? `Not refreshed: ${error}. What is shown was loaded earlier.` : error}
      </p>
    );
  }
  return loading ? <p class="muted" aria-live="polite">Loading…</p> : null;
}
