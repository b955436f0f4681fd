import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpRequest } from '../request.ts';
import { offsetLimit } from './offset-limit.ts';
import { paginate, type FetchPage } from './paginate.ts';

const RECORDS = Array.from({ length: 7 }, (_, i) => i);

// `maxPageSize` lets the fake cap the page below the requested limit, as real servers do.
function fakeApi(maxPageSize = Infinity): { fetchPage: FetchPage; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    fetchPage: async (request) => {
      requests.push(request);
      const offset = Number(request.query?.offset);
      const size = Math.min(Number(request.query?.limit), maxPageSize);
      return { status: 200, headers: {}, body: { results: RECORDS.slice(offset, offset + size), total: RECORDS.length } };
    },
  };
}

const items = (body: unknown) => (body as { results: unknown[] }).results;
const first: HttpRequest = { method: 'GET', path: '/items' };

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('offset/limit pagination', () => {
  it('stops when total is reached, without an extra request', async () => {
    const api = fakeApi();
    const strategy = offsetLimit({ offsetParam: 'offset', limitParam: 'limit', limit: 3, items, total: (body) => (body as { total: number }).total });
    assert.deepEqual(await collect(paginate(strategy, first, api.fetchPage)), RECORDS);
    assert.deepEqual(api.requests.map((request) => request.query), [
      { offset: 0, limit: 3 },
      { offset: 3, limit: 3 },
      { offset: 6, limit: 3 },
    ]);
  });

  it('without total, stops on the empty page', async () => {
    const api = fakeApi();
    const strategy = offsetLimit({ offsetParam: 'offset', limitParam: 'limit', limit: 3, items });
    assert.deepEqual(await collect(paginate(strategy, first, api.fetchPage)), RECORDS);
    assert.equal(api.requests.length, 4);
  });

  it('advances by what the server returned when it caps the page size', async () => {
    const api = fakeApi(2);
    const strategy = offsetLimit({ offsetParam: 'offset', limitParam: 'limit', limit: 5, items });
    assert.deepEqual(await collect(paginate(strategy, first, api.fetchPage)), RECORDS);
  });

  it('resumes from an offset the first request carries', async () => {
    const api = fakeApi();
    const strategy = offsetLimit({ offsetParam: 'offset', limitParam: 'limit', limit: 3, items });
    assert.deepEqual(await collect(paginate(strategy, { ...first, query: { offset: '5' } }, api.fetchPage)), [5, 6]);
  });

  it('validates its options', () => {
    assert.throws(() => offsetLimit({ offsetParam: 'offset', limitParam: 'limit', limit: 0, items }), /limit must be a positive integer/);
  });
});
