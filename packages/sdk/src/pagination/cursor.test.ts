import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cursor } from './cursor.ts';
import { paginate, type FetchPage } from './paginate.ts';
import type { HttpRequest } from '../request.ts';

const RECORDS = ['a', 'b', 'c', 'd', 'e'];

// Slack-style: the cursor is the index of the next record; the last page sends "" (not undefined).
function slackLike(read: (request: HttpRequest) => unknown): { fetchPage: FetchPage; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    fetchPage: async (request) => {
      requests.push(request);
      const start = Number(read(request) ?? 0);
      const next = start + 2 < RECORDS.length ? String(start + 2) : '';
      return { status: 200, headers: {}, body: { members: RECORDS.slice(start, start + 2), response_metadata: { next_cursor: next } } };
    },
  };
}

const options = {
  cursorParam: 'cursor',
  nextCursor: (body: unknown) => (body as { response_metadata: { next_cursor: string } }).response_metadata.next_cursor,
  items: (body: unknown) => (body as { members: unknown[] }).members,
};

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('cursor pagination', () => {
  it('passes the cursor in the query and ends on an empty cursor', async () => {
    const api = slackLike((request) => request.query?.cursor);
    const items = await collect(paginate(cursor(options), { method: 'GET', path: '/users.list', query: { limit: 2 } }, api.fetchPage));
    assert.deepEqual(items, RECORDS);
    assert.deepEqual(api.requests.map((request) => request.query), [{ limit: 2 }, { limit: 2, cursor: '2' }, { limit: 2, cursor: '4' }]);
  });

  it('passes the cursor in a JSON body for POST searches', async () => {
    const api = slackLike((request) => (request.body as { after?: string }).after);
    const strategy = cursor({ ...options, cursorParam: 'after', in: 'body' });
    const items = await collect(paginate(strategy, { method: 'POST', path: '/search', body: { filter: 'x' } }, api.fetchPage));
    assert.deepEqual(items, RECORDS);
    assert.deepEqual(api.requests[2]?.body, { filter: 'x', after: '4' });
  });

  it('ends on a null cursor too', async () => {
    const strategy = cursor({ cursorParam: 'after', nextCursor: () => null, items: (body) => body as unknown[] });
    const fetchPage: FetchPage = async () => ({ status: 200, headers: {}, body: [1] });
    assert.deepEqual(await collect(paginate(strategy, { method: 'GET', path: '/' }, fetchPage)), [1]);
  });

  it('validates its options', () => {
    assert.throws(() => cursor({ ...options, cursorParam: '' }), /cursorParam must be a non-empty string/);
    assert.throws(() => cursor({ ...options, items: undefined as never }), /items must be a function/);
  });
});
