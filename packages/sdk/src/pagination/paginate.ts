import type { HttpRequest } from '../request.ts';

export interface PageResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: unknown;
  /** The absolute URL that was fetched; relative `Link` targets resolve against it. */
  url?: string;
}

/**
 * Fetches one page. Strategies never see the transport, so the same strategy runs behind the
 * engine's HTTP client, a connector's `run()` (`(req) => ctx.http.request(req)`) and an in-memory
 * fake in tests. It must reject on a failed response (the engine's client throws a
 * ConnectorError); paginating over an error body would read it as data.
 */
export type FetchPage = (request: HttpRequest) => Promise<PageResponse>;

export interface Page {
  /** 0 for the first page. */
  index: number;
  request: HttpRequest;
  response: PageResponse;
  items: unknown[];
}

export interface NextPage {
  request: HttpRequest;
  /** Where the next page starts, in words ("cursor abc"): the repeat guard's key and message. */
  position: string;
}

export interface PaginationStrategy {
  readonly kind: 'cursor' | 'offset-limit' | 'page-number' | 'link-header' | 'graphql-connection';
  /** The first request, with whatever the strategy must add to it (a limit, a start page). */
  first(request: HttpRequest): HttpRequest;
  items(response: PageResponse): unknown[];
  /** Undefined when this page was the last. Only called for pages that had items. */
  next(page: Page): NextPage | undefined;
}

export interface PaginateOptions {
  /** Stop quietly after this many pages; the caller decides whether that was enough. */
  maxPages?: number;
}

export async function* pages(
  strategy: PaginationStrategy,
  firstRequest: HttpRequest,
  fetchPage: FetchPage,
  options: PaginateOptions = {},
): AsyncGenerator<Page, void, undefined> {
  const { maxPages = Infinity } = options;
  if (!(maxPages >= 1)) throw new RangeError(`maxPages must be at least 1, got ${maxPages}`);
  const seen = new Set<string>();
  let request = strategy.first(firstRequest);
  for (let index = 0; index < maxPages; index++) {
    const response = await fetchPage(request);
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`fetchPage resolved with HTTP ${response.status}; it must reject on a failed response instead`);
    }
    // 204 is how some APIs say "nothing more", with no body for `items` to read.
    if (response.status === 204) return;
    const items = strategy.items(response);
    if (!Array.isArray(items)) {
      throw new TypeError(`${strategy.kind} pagination: items() must return an array, got ${typeof items}`);
    }
    const page: Page = { index, request, response, items };
    yield page;
    if (items.length === 0) return;
    const next = strategy.next(page);
    if (next === undefined) return;
    // A vendor bug or a wrong nextCursor function would otherwise loop forever, silently.
    if (seen.has(next.position)) {
      throw new Error(`${strategy.kind} pagination repeated itself: ${next.position} was already fetched (after page ${index + 1})`);
    }
    seen.add(next.position);
    request = next.request;
  }
}

export async function* paginate(
  strategy: PaginationStrategy,
  firstRequest: HttpRequest,
  fetchPage: FetchPage,
  options: PaginateOptions = {},
): AsyncGenerator<unknown, void, undefined> {
  for await (const page of pages(strategy, firstRequest, fetchPage, options)) yield* page.items;
}

/** A copy of `request` with `params` set in its query string. */
export function withQuery(request: HttpRequest, params: Record<string, string | number>): HttpRequest {
  return { ...request, query: { ...request.query, ...params } };
}

/** The value of a query parameter as the first request carried it, e.g. a caller-chosen start. */
export function queryNumber(request: HttpRequest, name: string): number | undefined {
  const value = request.query?.[name];
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}
