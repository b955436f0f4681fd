import { assertFunction, assertText, freezeDeclaration } from '../declaration.ts';
import type { PaginationStrategy } from './paginate.ts';
import { withQuery } from './paginate.ts';

/**
 * The response names where the next page starts (Stripe `starting_after`, Slack
 * `response_metadata.next_cursor`, HubSpot `paging.next.after`). The cursor goes in the query
 * string, or in a JSON body for search endpoints that take POST.
 */
export function cursor(options: {
  cursorParam: string;
  nextCursor: (body: unknown) => string | null | undefined;
  items: (body: unknown) => unknown[];
  in?: 'query' | 'body';
}): PaginationStrategy {
  assertText('cursor', 'cursorParam', options.cursorParam);
  assertFunction('cursor', 'nextCursor', options.nextCursor);
  assertFunction('cursor', 'items', options.items);
  const { cursorParam, nextCursor, items, in: location = 'query' } = options;
  return freezeDeclaration({
    kind: 'cursor',
    first: (request) => request,
    items: (response) => items(response.body),
    next: ({ request, response }) => {
      const value = nextCursor(response.body);
      // Several APIs send "" or null on the last page rather than leaving the cursor out.
      if (value === undefined || value === null || value === '') return undefined;
      const next =
        location === 'query'
          ? withQuery(request, { [cursorParam]: value })
          : { ...request, body: { ...asObject(request.body), [cursorParam]: value } };
      return { request: next, position: `cursor ${JSON.stringify(value)}` };
    },
  });
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TypeError('cursor pagination with in: "body" needs a JSON object request body');
  }
  return body as Record<string, unknown>;
}
