import { graphqlError, graphqlRequest, NotFoundError, type ConnectorError, type DeclarativeRequest, type HttpResponse } from '@weft/sdk';
import { GRAPHQL_PATH } from './shopify.fixtures.ts';

/** A document for the Admin GraphQL endpoint of the API version this connector is written against. */
export function adminRequest(query: string, variables: Record<string, unknown>): DeclarativeRequest {
  return graphqlRequest({ path: GRAPHQL_PATH, query, variables });
}

/**
 * Shopify answers most failures inside a 200: `errors` (THROTTLED becomes a RateLimitedError
 * whose wait comes from `extensions.cost.throttleStatus`) and a mutation's `userErrors` (a
 * ValidationError naming the field path). A lookup of an id that does not exist is neither:
 * Shopify answers with the root field null, which `lookup` turns into a NotFoundError.
 */
export function adminErrors(response: HttpResponse, lookup?: { field: string; what: string }): ConnectorError | undefined {
  const error = graphqlError(response);
  if (error !== undefined || lookup === undefined || response.status !== 200) return error;
  const data = (response.body as { data?: Record<string, unknown> }).data;
  if (data?.[lookup.field] !== null) return undefined;
  return new NotFoundError('ERR_GRAPHQL_NOT_FOUND', { status: 200, message: `Shopify has no ${lookup.what} with the id asked for.` });
}

/** The data of a successful response (the errors hook has already refused the others). */
export function dataOf<T>(raw: unknown): T {
  return (raw as { data: T }).data;
}

/** Outputs give a connection's `nodes` as a plain array. */
export function nodesOf<T>(connection: { nodes: T[] } | null | undefined): T[] {
  return connection?.nodes ?? [];
}
