import { assertFunction, assertText, freezeDeclaration } from '../declaration.ts';
import type { PaginationStrategy } from './paginate.ts';
import { queryNumber, withQuery } from './paginate.ts';

/** `?page=3`. Without `hasMore`, only an empty page ends it: page sizes are the server's call. */
export function pageNumber(options: {
  pageParam: string;
  startAt?: 0 | 1;
  items: (body: unknown) => unknown[];
  hasMore?: (body: unknown) => boolean;
}): PaginationStrategy {
  assertText('pageNumber', 'pageParam', options.pageParam);
  assertFunction('pageNumber', 'items', options.items);
  const { pageParam, startAt = 1, items, hasMore } = options;
  if (startAt !== 0 && startAt !== 1) throw new TypeError('pageNumber: startAt must be 0 or 1');
  return freezeDeclaration({
    kind: 'page-number',
    first: (request) => withQuery(request, { [pageParam]: queryNumber(request, pageParam) ?? startAt }),
    items: (response) => items(response.body),
    next: ({ request, response }) => {
      if (hasMore !== undefined && !hasMore(response.body)) return undefined;
      const page = (queryNumber(request, pageParam) ?? startAt) + 1;
      return { request: withQuery(request, { [pageParam]: page }), position: `page ${page}` };
    },
  });
}
