import {
  AuthError,
  errorFromResponse,
  NotFoundError,
  PermanentError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  type ConnectorError,
} from '../errors.ts';
import type { DeclarativeRequest, HttpResponse } from '../request.ts';

export interface GraphqlOperation {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Relative to the connector's baseUrl; Shopify's is `/admin/api/2025-01/graphql.json`. Defaults to `/graphql`. */
  path?: string;
  headers?: Record<string, string>;
}

/**
 * A GraphQL operation as a declarative request: `POST <path>` with `{ query, variables,
 * operationName }` as the JSON body. `graphqlConnection` pagination sets its cursor in
 * `body.variables`, so the two compose.
 */
export function graphqlRequest(operation: GraphqlOperation): DeclarativeRequest {
  const { query, variables, operationName, path = '/graphql', headers } = operation;
  if (typeof query !== 'string' || query.trim() === '') throw new TypeError('graphqlRequest: query must be a non-empty string');
  if (variables !== undefined && (typeof variables !== 'object' || variables === null || Array.isArray(variables))) {
    throw new TypeError('graphqlRequest: variables must be an object keyed by variable name');
  }
  if (operationName !== undefined && (typeof operationName !== 'string' || operationName === '')) {
    throw new TypeError('graphqlRequest: operationName must be a non-empty string');
  }
  return {
    method: 'POST',
    path,
    ...(headers === undefined ? {} : { headers }),
    body: {
      query,
      ...(variables === undefined ? {} : { variables }),
      ...(operationName === undefined ? {} : { operationName }),
    },
  };
}

/** One entry of a response's `errors` (GraphQL spec §7.1.2), with the vendor fields we read. */
export interface GraphqlError {
  message: string;
  path?: readonly (string | number)[];
  locations?: readonly { line: number; column: number }[];
  extensions?: { code?: string; [key: string]: unknown };
  /** GitHub puts its code here instead of in `extensions.code`. */
  type?: string;
}

/** A mutation payload's `userErrors` entry (Shopify `UserError` / `DisplayableError`). */
export interface GraphqlUserError {
  field?: readonly string[] | null;
  message: string;
  code?: string | null;
}

/** Shopify's cost-based rate limit, from `extensions.cost`. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
  requestedQueryCost?: number;
  actualQueryCost?: number;
}

/**
 * The query-cost budget a response reports (Shopify's `extensions.cost`), so the engine's rate
 * limiter and a connector can pace themselves before they are throttled. Undefined when the
 * response carries none.
 */
export function throttleStatusOf(body: unknown): ThrottleStatus | undefined {
  const cost = objectAt(objectAt(body, 'extensions'), 'cost');
  const throttle = objectAt(cost, 'throttleStatus');
  if (cost === undefined || throttle === undefined) return undefined;
  const { maximumAvailable, currentlyAvailable, restoreRate } = throttle;
  if (!isNumber(maximumAvailable) || !isNumber(currentlyAvailable) || !isNumber(restoreRate)) return undefined;
  return {
    maximumAvailable,
    currentlyAvailable,
    restoreRate,
    ...(isNumber(cost.requestedQueryCost) ? { requestedQueryCost: cost.requestedQueryCost } : {}),
    ...(isNumber(cost.actualQueryCost) ? { actualQueryCost: cost.actualQueryCost } : {}),
  };
}

export interface GraphqlResponseOptions {
  /**
   * What to do when `data` came back alongside `errors` (some fields resolved, some failed).
   * `'error'` (the default) fails the call: a record half-read is easy to mistake for a whole one.
   * `'return'` hands back the data; choose it when the failing fields are optional.
   */
  partialData?: 'error' | 'return';
  /** Fail on a non-empty `userErrors` (or `…UserErrors`) list in a mutation payload. Defaults to true. */
  userErrors?: boolean;
  /** The vendor's own reading of its errors, consulted first; undefined falls back to the codes below. */
  classifyErrors?: (errors: readonly GraphqlError[], body: unknown) => ConnectorError | undefined;
  /** Epoch ms, only to read an HTTP-date Retry-After on a failed status. Defaults to the current time. */
  now?: number;
}

type Kind = 'throttled' | 'auth' | 'validation' | 'not-found' | 'query' | 'other' | 'retryable' | 'timeout';

// Codes from Apollo Server, Shopify and GitHub, upper-cased. Schema-level failures (the query does
// not parse, or asks for a field that does not exist) are the connector's bug, not bad data.
const KIND_BY_CODE: Record<string, Kind> = {
  THROTTLED: 'throttled',
  RATE_LIMITED: 'throttled',
  UNAUTHENTICATED: 'auth',
  UNAUTHORIZED: 'auth',
  FORBIDDEN: 'auth',
  ACCESS_DENIED: 'auth',
  NOT_FOUND: 'not-found',
  BAD_USER_INPUT: 'validation',
  INVALID_VARIABLE: 'validation',
  VALIDATION: 'validation',
  VALIDATION_ERROR: 'validation',
  UNPROCESSABLE: 'validation',
  GRAPHQL_PARSE_FAILED: 'query',
  GRAPHQL_VALIDATION_FAILED: 'query',
  MAX_COST_EXCEEDED: 'query',
  INTERNAL_SERVER_ERROR: 'retryable',
  INTERNAL_ERROR: 'retryable',
  SERVICE_UNAVAILABLE: 'retryable',
  TIMEOUT: 'timeout',
};

// When errors disagree, the one that decides what to do next wins: a throttled query did not
// run at all; bad credentials fail everything; a permanent fault beats a retryable one, since
// retrying cannot fix the permanent part.
const PRECEDENCE: readonly Kind[] = ['throttled', 'auth', 'validation', 'not-found', 'query', 'other', 'timeout', 'retryable'];

const MAX_MESSAGES = 5;

/**
 * The ConnectorError a GraphQL response means, or undefined when it succeeded. GraphQL reports
 * most failures inside a 200, so this belongs in an action's `errors` hook:
 * `errors: (response) => graphqlError(response)`. A failed HTTP status without a GraphQL
 * `errors` list is left to the engine's `errorFromResponse` (undefined here).
 *
 * | code (`extensions.code`, or GitHub's `type`) | class |
 * |---|---|
 * | THROTTLED, RATE_LIMITED | RateLimitedError, `retryAfterMs` from the cost budget |
 * | UNAUTHENTICATED, UNAUTHORIZED, FORBIDDEN, ACCESS_DENIED | AuthError |
 * | NOT_FOUND | NotFoundError |
 * | BAD_USER_INPUT, INVALID_VARIABLE, VALIDATION(_ERROR), UNPROCESSABLE | ValidationError |
 * | GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, MAX_COST_EXCEEDED | PermanentError (`bug`) |
 * | INTERNAL_SERVER_ERROR, INTERNAL_ERROR, SERVICE_UNAVAILABLE; TIMEOUT | RetryableError; `timeout` |
 * | anything else | PermanentError, the messages joined |
 *
 * `userErrors` in a mutation payload become a ValidationError whose message names the fields.
 */
export function graphqlError(response: HttpResponse, options: GraphqlResponseOptions = {}): ConnectorError | undefined {
  const { body, status } = response;
  const ok = status >= 200 && status < 300;
  if (typeof body !== 'object' || body === null) {
    return ok ? new PermanentError('ERR_GRAPHQL_NOT_JSON', { status, message: 'The destination answered a GraphQL request with something other than JSON.' }) : undefined;
  }
  const { data, errors } = body as { data?: unknown; errors?: unknown };

  if (Array.isArray(errors) && errors.length > 0) {
    const list = errors.map(normalizeError);
    const partial = data !== undefined && data !== null;
    if (!(partial && options.partialData === 'return')) {
      return options.classifyErrors?.(list, body) ?? classify(list, body, status);
    }
  } else if (typeof errors === 'string' && errors.trim() !== '') {
    // Shopify's transport-level refusals: { "errors": "[API] Invalid API key or access token …" }.
    return ok ? new PermanentError('ERR_GRAPHQL_ERROR', { status, message: `The destination refused the GraphQL request: ${errors.trim()}` }) : undefined;
  }
  if (!ok) return undefined;
  if (data === undefined || data === null) {
    return new PermanentError('ERR_GRAPHQL_NO_DATA', { status, message: 'The destination answered a GraphQL request with neither data nor errors.' });
  }
  if (options.userErrors !== false) {
    const userErrors = userErrorsIn(data);
    if (userErrors.length > 0) {
      const words = userErrors.slice(0, MAX_MESSAGES).map((e) => (e.field && e.field.length > 0 ? `${e.field.join('.')}: ${e.message}` : e.message));
      return new ValidationError('ERR_GRAPHQL_USER_ERRORS', {
        status,
        message: `The destination rejected the data we sent: ${joinMessages(words, userErrors.length)}`,
        details: { userErrors },
      });
    }
  }
  return undefined;
}

/**
 * The `data` of a GraphQL response, or a thrown ConnectorError (see `graphqlError`). For `run()`:
 * `const data = parseGraphqlResponse(await ctx.http.request(graphqlRequest({ … })))`.
 */
export function parseGraphqlResponse<T = unknown>(response: HttpResponse, options: GraphqlResponseOptions = {}): T {
  const error = graphqlError(response, options);
  if (error !== undefined) throw error;
  if (response.status < 200 || response.status >= 300) {
    throw errorFromResponse({ status: response.status, headers: response.headers, body: response.body, now: options.now ?? Date.now() });
  }
  return (response.body as { data: T }).data;
}

function classify(errors: readonly GraphqlError[], body: unknown, status: number): ConnectorError {
  const kinds = errors.map((error) => KIND_BY_CODE[codeOf(error)?.toUpperCase() ?? ''] ?? 'other');
  const kind = PRECEDENCE.find((candidate) => kinds.includes(candidate)) ?? 'other';
  const codes = [...new Set(errors.map(codeOf).filter((code): code is string => code !== undefined))];
  const messages = [...new Set(errors.map((error) => error.message))];
  const words = joinMessages(messages.slice(0, MAX_MESSAGES), messages.length);
  const options = { status, details: { errors, ...(codes.length > 0 ? { codes } : {}) } };
  switch (kind) {
    case 'throttled': {
      const retryAfterMs = retryAfterFromCost(throttleStatusOf(body));
      return new RateLimitedError('ERR_GRAPHQL_THROTTLED', {
        ...options,
        message: `The destination is throttling our GraphQL queries: ${words}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    case 'auth':
      return new AuthError('ERR_GRAPHQL_AUTH', { ...options, message: `The destination refused our credentials: ${words}` });
    case 'not-found':
      return new NotFoundError('ERR_GRAPHQL_NOT_FOUND', { ...options, message: `The record does not exist at the destination: ${words}` });
    case 'validation':
      return new ValidationError('ERR_GRAPHQL_VALIDATION', { ...options, message: `The destination rejected the data we sent: ${words}` });
    case 'query':
      return new PermanentError('ERR_GRAPHQL_QUERY', { ...options, message: `The destination rejected the connector's GraphQL query: ${words}` });
    case 'timeout':
      return new RetryableError('ERR_GRAPHQL_TIMEOUT', { ...options, reason: 'timeout', message: `The destination timed out: ${words}` });
    case 'retryable':
      return new RetryableError('ERR_GRAPHQL_RETRYABLE', { ...options, message: `The destination is failing: ${words}` });
    case 'other':
      return new PermanentError('ERR_GRAPHQL_ERROR', { ...options, message: `The destination refused the GraphQL request: ${words}` });
  }
}

/**
 * Shopify refills `restoreRate` points a second; the query needs `requestedQueryCost`. Waiting
 * for exactly the shortfall is the earliest a retry can succeed.
 */
function retryAfterFromCost(cost: ThrottleStatus | undefined): number | undefined {
  if (cost === undefined || cost.requestedQueryCost === undefined || cost.restoreRate <= 0) return undefined;
  const shortfall = cost.requestedQueryCost - cost.currentlyAvailable;
  return Math.max(0, Math.ceil((shortfall / cost.restoreRate) * 1000));
}

function codeOf(error: GraphqlError): string | undefined {
  const code = error.extensions?.code ?? error.type;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

function normalizeError(entry: unknown): GraphqlError {
  if (typeof entry === 'string') return { message: entry };
  if (typeof entry !== 'object' || entry === null) return { message: String(entry) };
  const error = entry as GraphqlError;
  return typeof error.message === 'string' ? error : { ...error, message: 'unnamed GraphQL error' };
}

// Mutation payloads are the root fields of `data`, so that is the only level searched; Shopify
// names the list `userErrors`, or `customerUserErrors`, `mediaUserErrors`, … beside it.
function userErrorsIn(data: unknown): GraphqlUserError[] {
  if (typeof data !== 'object' || data === null) return [];
  const found: GraphqlUserError[] = [];
  const seen = new Set<string>();
  for (const payload of Object.values(data)) {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) continue;
    for (const [key, list] of Object.entries(payload)) {
      if (!(key === 'userErrors' || key.endsWith('UserErrors')) || !Array.isArray(list)) continue;
      for (const entry of list as unknown[]) {
        if (typeof entry !== 'object' || entry === null || typeof (entry as GraphqlUserError).message !== 'string') continue;
        const userError = entry as GraphqlUserError;
        // Shopify sends the same error in a deprecated list and its replacement.
        const identity = JSON.stringify([userError.field ?? null, userError.message]);
        if (seen.has(identity)) continue;
        seen.add(identity);
        found.push(userError);
      }
    }
  }
  return found;
}

function joinMessages(messages: readonly string[], total: number): string {
  const text = messages.map((m) => m.trim().replace(/[.\s]+$/, '')).join('; ');
  return total > messages.length ? `${text}; and ${total - messages.length} more` : text;
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : undefined;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
