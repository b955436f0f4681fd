import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpRequest } from '../request.ts';
import { cursor } from './cursor.ts';
import { pages, paginate, type FetchPage, type PageResponse } from './paginate.ts';

// Each body names the next cursor; the fake never looks at the request beyond the cursor.
function fakeCursorApi(bodies: Record<string, { data: unknown[]; next?: string }>): { fetchPage: FetchPage; seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  const fetchPage: FetchPage = async (request) => {
    seen.push(request);
    const body = bodies[String(request.query?.after ?? '')];
    assert.ok(body !== undefined, `no page for ${JSON.stringify(request.query)}`);
    return { status: 200, headers: {}, body };
  };
  return { fetchPage, seen };
}

const strategy = cursor({
  cursorParam: 'after',
  nextCursor: (body) => (body as { next?: string }).next,
  items: (body) => (body as { data: unknown[] }).data,
});
const first: HttpRequest = { method: 'GET', path: '/orders', query: { limit: 2 } };

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('paginate and pages', () => {
  it('yields items across pages, and pages with their requests', async () => {
    const api = fakeCursorApi({ '': { data: [1, 2], next: 'b' }, b: { data: [3, 4], next: 'c' }, c: { data: [5] } });
    assert.deepEqual(await collect(paginate(strategy, first, api.fetchPage)), [1, 2, 3, 4, 5]);
    const all = await collect(pages(strategy, first, api.fetchPage));
    assert.deepEqual(all.map((page) => [page.index, page.items]), [[0, [1, 2]], [1, [3, 4]], [2, [5]]]);
    assert.deepEqual(all[1]?.request.query, { limit: 2, after: 'b' });
  });

  it('stops after maxPages without fetching more', async () => {
    const api = fakeCursorApi({ '': { data: [1], next: 'b' }, b: { data: [2], next: 'c' }, c: { data: [3] } });
    assert.deepEqual(await collect(paginate(strategy, first, api.fetchPage, { maxPages: 2 })), [1, 2]);
    assert.equal(api.seen.length, 2);
    await assert.rejects(collect(paginate(strategy, first, api.fetchPage, { maxPages: 0 })), /maxPages must be at least 1/);
  });

  it('stops on an empty page even when the API offers a next cursor', async () => {
    const api = fakeCursorApi({ '': { data: [1], next: 'b' }, b: { data: [], next: 'c' } });
    assert.deepEqual(await collect(paginate(strategy, first, api.fetchPage)), [1]);
    assert.equal(api.seen.length, 2);
  });

  it('stops on 204 No Content', async () => {
    const responses: PageResponse[] = [
      { status: 200, headers: {}, body: { data: [1], next: 'b' } },
      { status: 204, headers: {}, body: undefined },
    ];
    const fetchPage: FetchPage = async () => responses.shift() ?? assert.fail('fetched past the end');
    assert.deepEqual(await collect(paginate(strategy, first, fetchPage)), [1]);
  });

  it('throws instead of looping when a cursor repeats', async () => {
    const api = fakeCursorApi({ '': { data: [1], next: 'b' }, b: { data: [2], next: 'c' }, c: { data: [3], next: 'b' } });
    await assert.rejects(collect(paginate(strategy, first, api.fetchPage)), /cursor pagination repeated itself: cursor "b" was already fetched \(after page 3\)/);
    assert.equal(api.seen.length, 3);
  });

  it('refuses to read an error response as a page', async () => {
    const fetchPage: FetchPage = async () => ({ status: 500, headers: {}, body: { data: [] } });
    await assert.rejects(collect(paginate(strategy, first, fetchPage)), /resolved with HTTP 500; it must reject/);
  });

  it('refuses items() that do not return an array', async () => {
    const fetchPage: FetchPage = async () => ({ status: 200, headers: {}, body: { data: 'nope' } });
    await assert.rejects(collect(paginate(strategy, first, fetchPage)), /items\(\) must return an array, got string/);
  });

  it('fetches lazily: breaking out early makes no further requests', async () => {
    const api = fakeCursorApi({ '': { data: [1, 2], next: 'b' }, b: { data: [3] } });
    for await (const item of paginate(strategy, first, api.fetchPage)) if (item === 1) break;
    assert.equal(api.seen.length, 1);
  });
});
