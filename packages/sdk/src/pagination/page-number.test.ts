import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpRequest } from '../request.ts';
import { pageNumber } from './page-number.ts';
import { paginate, type FetchPage } from './paginate.ts';

const RECORDS = ['a', 'b', 'c', 'd', 'e'];
const PAGE_SIZE = 2;

function fakeApi(startAt: 0 | 1): { fetchPage: FetchPage; pagesAsked: unknown[] } {
  const pagesAsked: unknown[] = [];
  return {
    pagesAsked,
    fetchPage: async (request: HttpRequest) => {
      pagesAsked.push(request.query?.page);
      const index = Number(request.query?.page) - startAt;
      const data = RECORDS.slice(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
      return { status: 200, headers: {}, body: { data, has_more: (index + 1) * PAGE_SIZE < RECORDS.length } };
    },
  };
}

const items = (body: unknown) => (body as { data: unknown[] }).data;
const first: HttpRequest = { method: 'GET', path: '/products' };

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('page-number pagination', () => {
  it('counts from 1 by default and stops when hasMore says so', async () => {
    const api = fakeApi(1);
    const strategy = pageNumber({ pageParam: 'page', items, hasMore: (body) => (body as { has_more: boolean }).has_more });
    assert.deepEqual(await collect(paginate(strategy, first, api.fetchPage)), RECORDS);
    assert.deepEqual(api.pagesAsked, [1, 2, 3]);
  });

  it('counts from 0 when asked, and without hasMore stops on the empty page', async () => {
    const api = fakeApi(0);
    assert.deepEqual(await collect(paginate(pageNumber({ pageParam: 'page', startAt: 0, items }), first, api.fetchPage)), RECORDS);
    assert.deepEqual(api.pagesAsked, [0, 1, 2, 3]);
  });

  it('rejects other starting pages', () => {
    assert.throws(() => pageNumber({ pageParam: 'page', startAt: 2 as never, items }), /startAt must be 0 or 1/);
  });
});
