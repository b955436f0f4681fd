import { assertFunction, assertText, freezeDeclaration } from '../declaration.ts';
import type { PaginationStrategy } from './paginate.ts';

/** A Relay-style connection: records as `edges[].node` or as `nodes`, with `pageInfo`. */
export interface GraphqlConnection {
  edges?: readonly { node: unknown }[];
  nodes?: readonly unknown[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/**
 * GraphQL cursor pagination (Shopify, GitHub v4): the request body is `{ query, variables }` and
 * the cursor goes in `variables[cursorVariable]`. GraphQL reports errors in a 200 response, so
 * fetchPage must already have turned `errors` into a ConnectorError (throttling is retryable,
 * a bad query is not: only the connector knows its vendor's codes).
 */
export function graphqlConnection(options: {
  connectionPath: (data: unknown) => GraphqlConnection | undefined;
  cursorVariable?: string;
}): PaginationStrategy {
  assertFunction('graphqlConnection', 'connectionPath', options.connectionPath);
  const { connectionPath, cursorVariable = 'after' } = options;
  assertText('graphqlConnection', 'cursorVariable', cursorVariable);

  const connectionOf = (body: unknown): GraphqlConnection => {
    const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
    const connection = data === undefined || data === null ? undefined : connectionPath(data);
    if (connection === undefined || connection === null || typeof connection.pageInfo !== 'object') {
      throw new TypeError('graphqlConnection: connectionPath found no connection with pageInfo in the response data');
    }
    return connection;
  };

  return freezeDeclaration({
    kind: 'graphql-connection',
    first: (request) => request,
    items: (response) => {
      const connection = connectionOf(response.body);
      if (connection.nodes !== undefined) return [...connection.nodes];
      return (connection.edges ?? []).map((edge) => edge.node);
    },
    next: ({ request, response }) => {
      const { hasNextPage, endCursor } = connectionOf(response.body).pageInfo;
      if (!hasNextPage) return undefined;
      if (endCursor === undefined || endCursor === null || endCursor === '') {
        throw new TypeError('graphqlConnection: hasNextPage is true but endCursor is missing; select pageInfo { endCursor } in the query');
      }
      const body = (request.body ?? {}) as { variables?: Record<string, unknown> };
      return {
        request: { ...request, body: { ...body, variables: { ...body.variables, [cursorVariable]: endCursor } } },
        position: `${cursorVariable} ${JSON.stringify(endCursor)}`,
      };
    },
  });
}
