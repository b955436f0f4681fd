import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthError,
  ConflictError,
  NotFoundError,
  PermanentError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  type ConnectorError,
} from '../errors.ts';
import { graphqlConnection } from '../pagination/graphql-connection.ts';
import { paginate } from '../pagination/paginate.ts';
import type { HttpRequest, HttpResponse } from '../request.ts';
import { graphqlError, graphqlRequest, parseGraphqlResponse, throttleStatusOf } from './graphql.ts';

const respond = (body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body,
  text: JSON.stringify(body),
});

// Shopify Admin API 2025-01 shapes: the cost extension rides on every response.
const cost = (requested: number, actual: number | null, available: number) => ({
  cost: {
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: { maximumAvailable: 2000.0, currentlyAvailable: available, restoreRate: 100.0 },
  },
});

const throttled = {
  errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
  extensions: cost(752, null, 152),
};

function rejection(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (error) {
    return error as ConnectorError;
  }
  assert.fail('expected a ConnectorError');
}

describe('graphqlRequest', () => {
  it('is a POST with query, variables and operation name as the JSON body', () => {
    assert.deepEqual(
      graphqlRequest({
        path: '/admin/api/2025-01/graphql.json',
        query: 'query Order($id: ID!) { order(id: $id) { name } }',
        variables: { id: 'gid://shopify/Order/1' },
        operationName: 'Order',
      }),
      {
        method: 'POST',
        path: '/admin/api/2025-01/graphql.json',
        body: { query: 'query Order($id: ID!) { order(id: $id) { name } }', variables: { id: 'gid://shopify/Order/1' }, operationName: 'Order' },
      },
    );
    assert.deepEqual(graphqlRequest({ query: '{ shop { name } }' }), { method: 'POST', path: '/graphql', body: { query: '{ shop { name } }' } });
  });

  it('refuses an empty query or variables that are not an object', () => {
    assert.throws(() => graphqlRequest({ query: ' ' }), /non-empty string/);
    assert.throws(() => graphqlRequest({ query: '{ a }', variables: [] as never }), /object keyed by variable name/);
  });

  it('composes with graphqlConnection pagination, which moves the cursor in body.variables', async () => {
    const seen: unknown[] = [];
    const fetchPage = async (request: HttpRequest): Promise<HttpResponse> => {
      const variables = (request.body as { variables: { first: number; after?: string } }).variables;
      seen.push(variables);
      const last = variables.after === 'c1';
      return respond({
        data: { orders: { nodes: [{ id: last ? 2 : 1 }], pageInfo: { hasNextPage: !last, endCursor: last ? null : 'c1' } } },
        extensions: cost(12, 4, 1996),
      });
    };
    const strategy = graphqlConnection({ connectionPath: (data) => (data as { orders: never }).orders });
    const request = graphqlRequest({ query: 'query($first: Int!, $after: String) { orders(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }', variables: { first: 1 } });
    const ids: unknown[] = [];
    for await (const order of paginate(strategy, request, fetchPage)) ids.push((order as { id: number }).id);
    assert.deepEqual(ids, [1, 2]);
    assert.deepEqual(seen, [{ first: 1 }, { first: 1, after: 'c1' }]);
  });
});

describe('throttleStatusOf', () => {
  it("reads Shopify's cost extension", () => {
    assert.deepEqual(throttleStatusOf({ data: {}, extensions: cost(252, 42, 1958) }), {
      maximumAvailable: 2000,
      currentlyAvailable: 1958,
      restoreRate: 100,
      requestedQueryCost: 252,
      actualQueryCost: 42,
    });
    assert.deepEqual(throttleStatusOf(throttled), { maximumAvailable: 2000, currentlyAvailable: 152, restoreRate: 100, requestedQueryCost: 752 });
  });

  it('is undefined when a response carries no budget', () => {
    assert.equal(throttleStatusOf({ data: {} }), undefined);
    assert.equal(throttleStatusOf({ extensions: { cost: { requestedQueryCost: 1 } } }), undefined);
    assert.equal(throttleStatusOf('Throttled'), undefined);
  });
});

describe('parseGraphqlResponse', () => {
  it('returns data when there are no errors', () => {
    const data = { shop: { name: 'Weft Demo' } };
    assert.deepEqual(parseGraphqlResponse(respond({ data, extensions: cost(1, 1, 1999) })), data);
    assert.equal(graphqlError(respond({ data })), undefined);
  });

  it('turns THROTTLED into a RateLimitedError that waits for the cost shortfall to refill', () => {
    const error = rejection(() => parseGraphqlResponse(respond(throttled)));
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.code, 'ERR_GRAPHQL_THROTTLED');
    // (752 requested - 152 available) / 100 points per second = 6 s
    assert.equal(error.retryAfterMs, 6000);
    assert.equal(error.status, 200);
    assert.match(error.message, /throttling our GraphQL queries: Throttled/);
  });

  it('throttles without a delay when the budget is unknown, and never asks for a negative one', () => {
    const bare = rejection(() => parseGraphqlResponse(respond({ errors: throttled.errors })));
    assert.ok(bare instanceof RateLimitedError);
    assert.equal(bare.retryAfterMs, undefined);
    const refilled = rejection(() => parseGraphqlResponse(respond({ ...throttled, extensions: cost(50, null, 120) })));
    assert.equal((refilled as RateLimitedError).retryAfterMs, 0);
  });

  it('maps ACCESS_DENIED, UNAUTHENTICATED and FORBIDDEN to AuthError', () => {
    for (const code of ['ACCESS_DENIED', 'UNAUTHENTICATED', 'FORBIDDEN']) {
      const body = {
        data: null,
        errors: [
          {
            message: 'Access denied for orders field. Required access: `read_orders` access scope.',
            locations: [{ line: 1, column: 3 }],
            path: ['orders'],
            extensions: { code, documentation: 'https://shopify.dev/api/usage/access-scopes' },
          },
        ],
      };
      const error = rejection(() => parseGraphqlResponse(respond(body)));
      assert.ok(error instanceof AuthError, code);
      assert.equal(error.code, 'ERR_GRAPHQL_AUTH');
      assert.match(error.message, /Required access: `read_orders` access scope$/);
      assert.deepEqual(error.details, { errors: body.errors, codes: [code] });
    }
  });

  it("reads GitHub's top-level type, and fails partial data by default", () => {
    const body = {
      data: { repository: null },
      errors: [{ type: 'NOT_FOUND', path: ['repository'], locations: [{ line: 1, column: 3 }], message: "Could not resolve to a Repository with the name 'octo/nope'." }],
    };
    const error = rejection(() => parseGraphqlResponse(respond(body)));
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.message, "The record does not exist at the destination: Could not resolve to a Repository with the name 'octo/nope'");
  });

  it('returns partial data when asked to, and still fails when there is no data at all', () => {
    const body = { data: { shop: { name: 'Demo' }, order: null }, errors: [{ message: 'Order is unavailable', path: ['order'] }] };
    assert.deepEqual(parseGraphqlResponse(respond(body), { partialData: 'return' }), body.data);
    const none = rejection(() => parseGraphqlResponse(respond({ data: null, errors: body.errors }), { partialData: 'return' }));
    assert.ok(none instanceof PermanentError);
  });

  it('maps BAD_USER_INPUT to ValidationError and a query the schema rejects to a bug', () => {
    const bad = rejection(() => parseGraphqlResponse(respond({ errors: [{ message: 'Variable $id of type ID! was provided invalid value', extensions: { code: 'BAD_USER_INPUT' } }] })));
    assert.ok(bad instanceof ValidationError);
    assert.equal(bad.code, 'ERR_GRAPHQL_VALIDATION');
    const query = rejection(() => parseGraphqlResponse(respond({ errors: [{ message: 'Cannot query field "nope" on type "Order".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] })));
    assert.ok(query instanceof PermanentError && !(query instanceof ValidationError));
    assert.equal(query.reason, 'bug');
    assert.equal(query.code, 'ERR_GRAPHQL_QUERY');
  });

  it('joins the messages of unknown codes into one PermanentError', () => {
    const body = {
      errors: [
        { message: "Field 'nope' doesn't exist on type 'Order'", path: ['query', 'orders', 'nope'], extensions: { code: 'undefinedField', typeName: 'Order', fieldName: 'nope' } },
        { message: "Field 'nada' doesn't exist on type 'Order'", extensions: { code: 'undefinedField' } },
      ],
    };
    const error = rejection(() => parseGraphqlResponse(respond(body)));
    assert.equal(error.code, 'ERR_GRAPHQL_ERROR');
    assert.equal(error.retryable, false);
    assert.equal(error.message, "The destination refused the GraphQL request: Field 'nope' doesn't exist on type 'Order'; Field 'nada' doesn't exist on type 'Order'");
  });

  it('retries an internal error, unless a permanent error came with it', () => {
    const internal = { message: 'Internal error. Looks like something went wrong on our end.', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'abc' } };
    assert.ok(rejection(() => parseGraphqlResponse(respond({ errors: [internal] }))) instanceof RetryableError);
    const mixed = rejection(() => parseGraphqlResponse(respond({ errors: [internal, { message: 'bad', extensions: { code: 'BAD_USER_INPUT' } }] })));
    assert.ok(mixed instanceof ValidationError);
    assert.match(mixed.message, /Looks like something went wrong on our end; bad$/);
  });

  it('turns userErrors in a mutation payload into a ValidationError naming the fields', () => {
    const body = {
      data: {
        customerCreate: {
          customer: null,
          userErrors: [
            { field: ['input', 'email'], message: 'Email has already been taken' },
            { field: ['input', 'phone'], message: 'Phone is invalid' },
          ],
        },
      },
      extensions: cost(10, 10, 1990),
    };
    const error = rejection(() => parseGraphqlResponse(respond(body)));
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, 'ERR_GRAPHQL_USER_ERRORS');
    assert.equal(error.message, 'The destination rejected the data we sent: input.email: Email has already been taken; input.phone: Phone is invalid');
    assert.deepEqual(error.details, { userErrors: body.data.customerCreate.userErrors });
    assert.deepEqual(parseGraphqlResponse(respond(body), { userErrors: false }), body.data);
  });

  it('reads …UserErrors lists too, once when Shopify repeats one in a deprecated list', () => {
    const same = { field: ['media', '0', 'originalSource'], message: 'Image URL is invalid', code: 'INVALID' };
    const body = { data: { productCreateMedia: { media: [], userErrors: [same], mediaUserErrors: [same] } } };
    const error = rejection(() => parseGraphqlResponse(respond(body)));
    assert.deepEqual(error.details, { userErrors: [same] });
    assert.equal(parseGraphqlResponse(respond({ data: { customerCreate: { customer: { id: '1' }, userErrors: [] } } })) !== undefined, true);
  });

  it('lets the connector classify its own codes first', () => {
    const body = { errors: [{ message: 'Record already exists', extensions: { code: 'TAKEN' } }] };
    const error = rejection(() =>
      parseGraphqlResponse(respond(body), {
        classifyErrors: (errors) => (errors.some((e) => e.extensions?.code === 'TAKEN') ? new ConflictError('ERR_ACME_TAKEN') : undefined),
      }),
    );
    assert.ok(error instanceof ConflictError);
    const fallback = rejection(() => parseGraphqlResponse(respond(throttled), { classifyErrors: () => undefined }));
    assert.ok(fallback instanceof RateLimitedError);
  });

  it("leaves a failed status without a GraphQL errors list to errorFromResponse, as the engine's hook does", () => {
    const unauthorized = respond({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' }, 401);
    assert.equal(graphqlError(unauthorized), undefined);
    const error = rejection(() => parseGraphqlResponse(unauthorized));
    assert.ok(error instanceof AuthError);
    assert.match(error.message, /Invalid API key or access token/);
    const limited = rejection(() => parseGraphqlResponse(respond({}, 429, { 'retry-after': '2' })));
    assert.equal((limited as RateLimitedError).retryAfterMs, 2000);
  });

  it('refuses a 200 that is not a GraphQL response', () => {
    assert.equal(rejection(() => parseGraphqlResponse(respond('<html>maintenance</html>'))).code, 'ERR_GRAPHQL_NOT_JSON');
    assert.equal(rejection(() => parseGraphqlResponse(respond({}))).code, 'ERR_GRAPHQL_NO_DATA');
    assert.equal(rejection(() => parseGraphqlResponse(respond({ errors: 'Not Found' }))).code, 'ERR_GRAPHQL_ERROR');
  });
});
