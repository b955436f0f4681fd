import type { PageCursors } from './router.ts';

/**
 * Previous / next over server-side cursors kept in the URL (see `PageCursors`): going back from a
 * record to its list lands on the page it was opened from. `go` navigates to the same list with
 * other cursors; a filter that changes navigates without them, back to the first page.
 */
export function routePages(cursors: PageCursors | undefined, go: (cursors: PageCursors) => void) {
  const chain = cursors ?? [];
  return {
    page: chain.length,
    cursor: chain[chain.length - 1],
    next: (nextCursor: string | null | undefined) => nextCursor && go([...chain, nextCursor]),
    previous: () => chain.length > 0 && go(chain.slice(0, -1)),
  };
}
