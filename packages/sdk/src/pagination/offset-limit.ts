import { assertFunction, assertPositive, assertText, freezeDeclaration } from '../declaration.ts';
import type { PaginationStrategy } from './paginate.ts';
import { queryNumber, withQuery } from './paginate.ts';

/**
 * `?offset=40&limit=20`. The offset advances by the items actually returned, not by `limit`:
 * servers that cap the page size below what was asked would otherwise make us skip records.
 * For the same reason a short page is not taken as the last one; an empty page, or reaching
 * `total`, ends it.
 */
export function offsetLimit(options: {
  offsetParam: string;
  limitParam: string;
  limit: number;
  items: (body: unknown) => unknown[];
  total?: (body: unknown) => number | undefined;
}): PaginationStrategy {
  assertText('offsetLimit', 'offsetParam', options.offsetParam);
  assertText('offsetLimit', 'limitParam', options.limitParam);
  assertPositive('offsetLimit', 'limit', options.limit, { integer: true });
  assertFunction('offsetLimit', 'items', options.items);
  const { offsetParam, limitParam, limit, items, total } = options;
  return freezeDeclaration({
    kind: 'offset-limit',
    // A caller-supplied offset is kept, so a resumed sync starts where it left off.
    first: (request) => withQuery(request, { [offsetParam]: queryNumber(request, offsetParam) ?? 0, [limitParam]: limit }),
    items: (response) => items(response.body),
    next: ({ request, response, items: pageItems }) => {
      const offset = (queryNumber(request, offsetParam) ?? 0) + pageItems.length;
      const count = total?.(response.body);
      if (count !== undefined && offset >= count) return undefined;
      return { request: withQuery(request, { [offsetParam]: offset }), position: `offset ${offset}` };
    },
  });
}
