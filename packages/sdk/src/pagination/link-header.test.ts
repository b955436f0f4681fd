import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpRequest } from '../request.ts';
import { findLink, linkHeader, parseLinkHeader } from './link-header.ts';
import { paginate, type FetchPage } from './paginate.ts';

describe('parseLinkHeader', () => {
  it('reads several links with quoted and bare parameters', () => {
    const header =
      '<https://api.github.com/repos/o/r/issues?page=2>; rel="next", <https://api.github.com/repos/o/r/issues?page=5>; rel=last';
    assert.deepEqual(parseLinkHeader(header), [
      { target: 'https://api.github.com/repos/o/r/issues?page=2', params: { rel: 'next' } },
      { target: 'https://api.github.com/repos/o/r/issues?page=5', params: { rel: 'last' } },
    ]);
  });

  it('keeps commas and semicolons inside URLs and quoted strings', () => {
    const header = '<https://x.test/a?ids=1,2;3>; title="one, two; three"; rel="next"; REL="prev", <https://x.test/b>;rel=prev';
    assert.deepEqual(parseLinkHeader(header), [
      { target: 'https://x.test/a?ids=1,2;3', params: { title: 'one, two; three', rel: 'next' } },
      { target: 'https://x.test/b', params: { rel: 'prev' } },
    ]);
  });

  it('unescapes quoted pairs and skips malformed values', () => {
    const header = 'garbage, <https://x.test/a>; title="say \\"hi\\""; rel="next", <https://x.test/unclosed';
    assert.deepEqual(parseLinkHeader(header), [{ target: 'https://x.test/a', params: { title: 'say "hi"', rel: 'next' } }]);
  });

  it('finds a relation in a space-separated, case-insensitive rel list', () => {
    assert.equal(findLink('<https://x.test/1>; rel="prev", <https://x.test/3>; rel="Next last"', 'next'), 'https://x.test/3');
    assert.equal(findLink('<https://x.test/1>; rel="prev"', 'next'), undefined);
    assert.equal(findLink(undefined, 'next'), undefined);
  });
});

describe('link-header pagination', () => {
  // GitHub-style: three pages of two, each pointing at the next.
  const PAGES: Record<string, { items: string[]; link?: string }> = {
    '/issues': { items: ['a', 'b'], link: '<https://api.test/issues?page=2&per_page=2>; rel="next", <https://api.test/issues?page=3&per_page=2>; rel="last"' },
    '/issues?page=2&per_page=2': { items: ['c', 'd'], link: '</issues?page=3&per_page=2>; rel="next"' },
    '/issues?page=3&per_page=2': { items: ['e'], link: '<https://api.test/issues?page=1&per_page=2>; rel="first"' },
  };

  function fakeApi(): { fetchPage: FetchPage; requests: HttpRequest[] } {
    const requests: HttpRequest[] = [];
    return {
      requests,
      fetchPage: async (request) => {
        requests.push(request);
        const url = new URL(request.url ?? `https://api.test${request.path}`);
        const page = PAGES[url.pathname + url.search];
        assert.ok(page !== undefined, `unexpected ${url.href}`);
        const headers: Record<string, string> = page.link === undefined ? {} : { link: page.link };
        return { status: 200, headers, body: page.items, url: url.href };
      },
    };
  }

  it('follows rel="next", resolving relative targets against the fetched URL', async () => {
    const api = fakeApi();
    const items: unknown[] = [];
    for await (const item of paginate(linkHeader(), { method: 'GET', path: '/issues', query: { per_page: 2 } }, api.fetchPage)) items.push(item);
    assert.deepEqual(items, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(api.requests.slice(1).map((request) => [request.url, request.query]), [
      ['https://api.test/issues?page=2&per_page=2', undefined],
      ['https://api.test/issues?page=3&per_page=2', undefined],
    ]);
  });

  it('explains a relative link it cannot resolve', async () => {
    const fetchPage: FetchPage = async () => ({ status: 200, headers: { link: '</issues?page=2>; rel="next"' }, body: [1] });
    const run = async () => {
      for await (const _ of paginate(linkHeader(), { method: 'GET', path: '/issues' }, fetchPage));
    };
    await assert.rejects(run, /is relative and the response carries no url/);
  });

  it('needs items when the body is not an array', async () => {
    const fetchPage: FetchPage = async () => ({ status: 200, headers: {}, body: { values: [1] } });
    await assert.rejects(paginate(linkHeader(), { method: 'GET', path: '/' }, fetchPage).next(), /pass items/);
    const wrapped = linkHeader({ items: (body) => (body as { values: unknown[] }).values });
    assert.deepEqual(await paginate(wrapped, { method: 'GET', path: '/' }, fetchPage).next(), { value: 1, done: false });
  });
});
