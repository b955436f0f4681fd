import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpRequest } from '../request.ts';
import { graphqlConnection } from './graphql-connection.ts';
import { paginate, type FetchPage } from './paginate.ts';

const ORDERS = ['gid://1', 'gid://2', 'gid://3'];
const QUERY = 'query($first: Int!, $after: String) { orders(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }';

// Shopify-style: the cursor is the index after the last returned order.
function fakeShopify(shape: 'edges' | 'nodes'): { fetchPage: FetchPage; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    fetchPage: async (request) => {
      requests.push(request);
      const { variables } = request.body as { variables: { first: number; after?: string } };
      const start = variables.after === undefined ? 0 : Number(variables.after);
      const ids = ORDERS.slice(start, start + variables.first).map((id) => ({ id }));
      const end = start + ids.length;
      const pageInfo = { hasNextPage: end < ORDERS.length, endCursor: ids.length === 0 ? null : String(end) };
      const connection = shape === 'edges' ? { edges: ids.map((node) => ({ node })), pageInfo } : { nodes: ids, pageInfo };
      return { status: 200, headers: {}, body: { data: { shop: { orders: connection } } } };
    },
  };
}

const connectionPath = (data: unknown) => (data as { shop: { orders: never } }).shop.orders;
const first: HttpRequest = { method: 'POST', path: '/graphql.json', body: { query: QUERY, variables: { first: 2 } } };

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('graphql connection pagination', () => {
  it('reads edges and passes endCursor as the after variable, keeping the query', async () => {
    const api = fakeShopify('edges');
    assert.deepEqual(await collect(paginate(graphqlConnection({ connectionPath }), first, api.fetchPage)), ORDERS.map((id) => ({ id })));
    assert.deepEqual(api.requests[1]?.body, { query: QUERY, variables: { first: 2, after: '2' } });
    assert.equal(api.requests.length, 2);
  });

  it('reads nodes and honours a custom cursor variable', async () => {
    const api = fakeShopify('nodes');
    const rename: FetchPage = (request) => {
      const { variables, ...rest } = request.body as { variables: { cursor?: string } };
      const { cursor, ...others } = variables;
      return api.fetchPage({ ...request, body: { ...rest, variables: cursor === undefined ? others : { ...others, after: cursor } } });
    };
    const strategy = graphqlConnection({ connectionPath, cursorVariable: 'cursor' });
    assert.deepEqual(await collect(paginate(strategy, first, rename)), ORDERS.map((id) => ({ id })));
  });

  it('explains a connectionPath that finds nothing, and a next page without a cursor', async () => {
    const missing: FetchPage = async () => ({ status: 200, headers: {}, body: { data: null, errors: [{ message: 'denied' }] } });
    await assert.rejects(collect(paginate(graphqlConnection({ connectionPath }), first, missing)), /found no connection with pageInfo/);
    const noCursor: FetchPage = async () => ({
      status: 200,
      headers: {},
      body: { data: { shop: { orders: { nodes: [{ id: 'x' }], pageInfo: { hasNextPage: true } } } } },
    });
    await assert.rejects(collect(paginate(graphqlConnection({ connectionPath }), first, noCursor)), /select pageInfo \{ endCursor \}/);
  });
});
