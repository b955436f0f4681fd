import { useState } from 'preact/hooks';

/**
 * The cursors of the pages seen so far, so "previous" needs no backwards cursor from the API.
 * `reset` goes back to the first page when a filter changes.
 */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  return {
    page,
    cursor: cursors[page],
    next: (nextCursor: string | null | undefined) => nextCursor && setCursors((all) => [...all, nextCursor]),
    previous: () => setCursors((all) => (all.length > 1 ? all.slice(0, -1) : all)),
    reset: () => setCursors([undefined]),
  };
}
