import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createSandbox, type RunningSandbox, type SandboxFailure, type SandboxRequest, type SandboxResponse, type SandboxRoute } from '@weft/sdk/testing';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  ACCOUNTING_SCOPE,
  FAULT_CODES,
  FAULT_MESSAGES,
  QUICKBOOKS_EVENT_TYPES,
  REFRESH_TOKEN_TTL_SECONDS,
  REQUESTS_PER_MINUTE,
  SANDBOX_ACCESS_TOKEN,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  SANDBOX_REALM_ID,
  SANDBOX_VERIFIER_TOKEN,
} from './quickbooks.fixtures.ts';
import {
  Refusal,
  createCustomerRecord,
  createPaymentRecord,
  createSalesTransaction,
  fault,
  objectNotFound,
  pacificTime,
  seedBooks,
  type CatalogItem,
  touch,
  validationFault,
  type RealmBooks,
} from './sandbox-books.ts';
import { parseQuery, selectRecords, type ParsedQuery } from './sandbox-query.ts';

/**
 * A stateful fake of the parts of QuickBooks Online the connector uses, on one origin: Intuit's
 * OAuth 2 consent and token endpoints (codes, hour-long access tokens, refresh tokens that rotate
 * on every use), the Accounting API under /v3/company/{realmId} with books kept per realm,
 * Fault bodies, the query language with STARTPOSITION paging, `requestid` replay, the per-realm
 * throttle (500 a minute, 429 ThrottleExceeded), and data change webhooks signed with
 * `intuit-signature`.
 */

interface TokenGrant {
  realmId: string;
  /** Epoch ms; Infinity for the token issued at start. */
  expiresAt: number;
}

export interface QuickBooksState {
  realms: Map<string, RealmBooks>;
  accessTokens: Map<string, TokenGrant>;
  refreshTokens: Map<string, TokenGrant>;
  authorizationCodes: Map<string, TokenGrant & { redirectUri: string }>;
  /** Per realm, by requestid: the first successful answer, given again to a retry. */
  replies: Map<string, Map<string, SandboxResponse>>;
  /** Per realm: when the requests of the last minute arrived, for the throttle. */
  recentRequests: Map<string, number[]>;
}

export interface QuickBooksSandbox extends RunningSandbox<QuickBooksState> {
  realmId: string;
  /** A token for `realmId` that does not expire, for tests and trying flows by hand. */
  accessToken: string;
  clientId: string;
  clientSecret: string;
  /** The webhook verifier token: what the connection keeps as its webhookSecret. */
  webhookSecret: string;
}

export interface QuickBooksSandboxOptions {
  port?: number;
  host?: string;
  /** Companies the sandbox keeps books for; the first is the one consent grants. Default one. */
  realmIds?: readonly string[];
  /** The per-realm throttle. Default Intuit's production limit, 500. */
  requestsPerMinute?: number;
  /** Items to add to every realm's seeded name list (named by SKU), e.g. a shop's catalog. */
  catalog?: readonly CatalogItem[];
  /** The companies' home currency (multicurrency is off). Default USD. */
  homeCurrency?: { value: string; name: string };
  now?: () => number;
  random?: () => number;
}

const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
const AUTHORIZE_PATH = '/connect/oauth2';
const AUTHORIZATION_CODE_TTL_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

export async function startQuickBooksSandbox(options: QuickBooksSandboxOptions = {}): Promise<QuickBooksSandbox> {
  const realmIds = options.realmIds ?? [SANDBOX_REALM_ID];
  const consentRealm = realmIds[0];
  if (consentRealm === undefined) throw new TypeError('startQuickBooksSandbox: realmIds must name at least one realm');
  const requestsPerMinute = options.requestsPerMinute ?? REQUESTS_PER_MINUTE;
  const now = options.now ?? Date.now;

  const seed = (): QuickBooksState => ({
    realms: new Map(realmIds.map((realmId) => [realmId, seedBooks(realmId, options.catalog, options.homeCurrency)])),
    accessTokens: new Map([[SANDBOX_ACCESS_TOKEN, { realmId: consentRealm, expiresAt: Infinity }]]),
    refreshTokens: new Map(),
    authorizationCodes: new Map(),
    replies: new Map(),
    recentRequests: new Map(),
  });

  const sandbox = createSandbox<QuickBooksState>({
    name: 'quickbooks',
    seed,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    headers: () => ({ intuit_tid: randomUUID() }),
    authenticate: (request, { state }) => {
      if (request.path === TOKEN_PATH || request.path === AUTHORIZE_PATH) return undefined;
      const at = now();
      const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const grant = token === undefined ? undefined : state.accessTokens.get(token);
      if (grant === undefined || grant.expiresAt <= at) return authenticationFault(at);
      const realmId = /^\/v3\/company\/([^/]+)\//.exec(request.path)?.[1];
      if (realmId !== undefined && realmId !== grant.realmId) {
        return fault(403, 'AuthorizationFault', { Message: FAULT_MESSAGES.authorizationFailed, Detail: '', code: FAULT_CODES.applicationAuthorizationFailed }, at);
      }
      if (realmId !== undefined) {
        const recent = (state.recentRequests.get(realmId) ?? []).filter((time) => time > at - MINUTE_MS);
        state.recentRequests.set(realmId, recent);
        if (recent.length >= requestsPerMinute) return throttled(at);
        recent.push(at);
      }
      return undefined;
    },
    errorResponse: (failure, request) => errorResponse(failure, request, now()),
    routes: [
      { method: 'GET', path: AUTHORIZE_PATH, handle: (request, { state }) => authorize(request, state, consentRealm, now()) },
      { method: 'POST', path: TOKEN_PATH, handle: (request, { state }) => issueTokens(request, state, now()) },
      ...apiRoutes(now),
    ],
    webhooks: {
      sign: (rawBody) => ({ 'intuit-signature': createHmac('sha256', SANDBOX_VERIFIER_TOKEN).update(rawBody).digest('base64') }),
      event: (type, { state }, data) => dataChangeEvent(type, state, consentRealm, data, now()),
    },
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, {
    realmId: consentRealm,
    accessToken: SANDBOX_ACCESS_TOKEN,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
    webhookSecret: SANDBOX_VERIFIER_TOKEN,
  });
}

// ---- Accounting API --------------------------------------------------------------------------

type Handler = SandboxRoute<QuickBooksState>['handle'];

function apiRoutes(now: () => number): SandboxRoute<QuickBooksState>[] {
  const inRealm =
    (handle: (books: RealmBooks, request: SandboxRequest, state: QuickBooksState, at: number) => SandboxResponse): Handler =>
    (request, { state }) => {
      const at = now();
      const books = state.realms.get(request.params.realmId ?? '');
      return books === undefined ? objectNotFound(at) : handle(books, request, state, at);
    };
  const created = (name: string, result: object | Refusal, at: number): SandboxResponse =>
    result instanceof Refusal ? result.response : { body: { [name]: result, time: pacificTime(at, { milliseconds: true }) } };
  const read = (name: string, find: (books: RealmBooks, id: string) => object | undefined): SandboxRoute<QuickBooksState> => ({
    method: 'GET',
    path: `/v3/company/:realmId/${name.toLowerCase()}/:id`,
    handle: inRealm((books, request, _state, at) => {
      const record = find(books, request.params.id ?? '');
      return record === undefined ? objectNotFound(at) : { body: { [name]: record, time: pacificTime(at, { milliseconds: true }) } };
    }),
  });
  const query: Handler = inRealm((books, request, _state, at) => {
    // GET ?query=…, or POST with the statement as an application/text body.
    const statement = request.method === 'GET' ? request.query.query : request.body;
    if (typeof statement !== 'string' || statement.trim() === '') {
      return validationFault({ Message: FAULT_MESSAGES.requiredParamMissing, Detail: 'Required parameter query is missing in the request', code: FAULT_CODES.requiredParamMissing, element: 'query' }, at).response;
    }
    const parsed = parseQuery(statement);
    if (!('entity' in parsed)) return fault(400, 'ValidationFault', { Message: parsed.message, Detail: parsed.detail, code: parsed.code }, at);
    return { body: { QueryResponse: queryResponse(parsed, books), time: pacificTime(at, { milliseconds: true }) } };
  });

  return [
    { method: 'POST', path: '/v3/company/:realmId/customer', handle: idempotent(inRealm((books, request, _s, at) => created('Customer', createCustomerRecord(books, request.body, at), at))) },
    { method: 'POST', path: '/v3/company/:realmId/invoice', handle: idempotent(inRealm((books, request, _s, at) => created('Invoice', createSalesTransaction(books, 'Invoice', request.body, at), at))) },
    { method: 'POST', path: '/v3/company/:realmId/payment', handle: idempotent(inRealm((books, request, _s, at) => created('Payment', createPaymentRecord(books, request.body, at), at))) },
    { method: 'POST', path: '/v3/company/:realmId/creditmemo', handle: idempotent(inRealm((books, request, _s, at) => created('CreditMemo', createSalesTransaction(books, 'CreditMemo', request.body, at), at))) },
    { method: 'GET', path: '/v3/company/:realmId/query', handle: query },
    { method: 'POST', path: '/v3/company/:realmId/query', handle: query },
    read('Customer', (books, id) => books.customers.get(id)),
    read('Item', (books, id) => books.items.get(id)),
    read('Invoice', (books, id) => books.invoices.get(id)),
    read('Payment', (books, id) => books.payments.get(id)),
    read('CreditMemo', (books, id) => books.creditMemos.get(id)),
    // The company's own Id in its path is the realm id.
    read('CompanyInfo', (books, id) => (id === books.realmId ? { ...books.company, Id: books.realmId } : undefined)),
  ];
}

function queryResponse(query: ParsedQuery, books: RealmBooks): Record<string, unknown> {
  const all: Record<ParsedQuery['entity'], readonly object[]> = {
    Customer: books.customers.all(),
    Item: books.items.all(),
    Invoice: books.invoices.all(),
    Payment: books.payments.all(),
    CreditMemo: books.creditMemos.all(),
    CompanyInfo: [{ ...books.company, Id: books.realmId }],
  };
  const selected = selectRecords(query, all[query.entity]);
  if (query.count) return { totalCount: selected.length };
  const page = selected.slice(query.start - 1, query.start - 1 + query.max);
  // An empty answer is an empty QueryResponse, without the entity or the paging attributes.
  if (page.length === 0) return {};
  return { [query.entity]: page, startPosition: query.start, maxResults: page.length };
}

/**
 * QuickBooks' requestid: a create retried with the same id (in the same company) gets the first
 * answer back and creates nothing. Only answers that created something are kept, so a request
 * refused for its data can be corrected and sent again under its id.
 */
function idempotent(handle: Handler): Handler {
  return async (request, context) => {
    const requestId = request.query.requestid;
    if (typeof requestId !== 'string' || requestId === '') return handle(request, context);
    const realmId = request.params.realmId ?? '';
    const replies = context.state.replies.get(realmId) ?? new Map<string, SandboxResponse>();
    context.state.replies.set(realmId, replies);
    const first = replies.get(requestId);
    if (first !== undefined) return first;
    const response = await handle(request, context);
    if ((response.status ?? 200) < 300) replies.set(requestId, response);
    return response;
  };
}

// ---- OAuth 2 ---------------------------------------------------------------------------------

/** Intuit's consent page, already agreed to: back to the app with a code and the company chosen. */
function authorize(request: SandboxRequest, state: QuickBooksState, realmId: string, at: number): SandboxResponse {
  const { client_id: clientId, redirect_uri: redirectUri, response_type: responseType, scope, state: appState } = request.query;
  if (clientId !== SANDBOX_CLIENT_ID) return { status: 400, body: { error: 'invalid_client', error_description: 'The client_id is not a registered app.' } };
  if (typeof redirectUri !== 'string' || !/^https?:\/\//.test(redirectUri)) {
    return { status: 400, body: { error: 'invalid_request', error_description: 'redirect_uri is missing or not an http(s) URL.' } };
  }
  const back = new URL(redirectUri);
  if (typeof appState === 'string') back.searchParams.set('state', appState);
  if (responseType !== 'code') back.searchParams.set('error', 'unsupported_response_type');
  else if (typeof scope !== 'string' || !scope.split(/\s+/).includes(ACCOUNTING_SCOPE)) back.searchParams.set('error', 'invalid_scope');
  else {
    const code = newToken('AB11');
    state.authorizationCodes.set(code, { realmId, redirectUri, expiresAt: at + AUTHORIZATION_CODE_TTL_MS });
    back.searchParams.set('code', code);
    back.searchParams.set('realmId', realmId);
  }
  return { status: 302, headers: { location: back.toString() } };
}

/** POST /oauth2/v1/tokens/bearer, client authenticated with HTTP Basic as Intuit requires. */
function issueTokens(request: SandboxRequest, state: QuickBooksState, at: number): SandboxResponse {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const [clientId, clientSecret] = basic === undefined ? [] : Buffer.from(basic, 'base64').toString('utf8').split(':');
  if (clientId !== SANDBOX_CLIENT_ID || clientSecret !== SANDBOX_CLIENT_SECRET) return { status: 401, body: { error: 'invalid_client' } };
  const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  let realmId: string;
  if (form.grant_type === 'authorization_code') {
    const grant = typeof form.code === 'string' ? state.authorizationCodes.get(form.code) : undefined;
    // A code is good once, before it expires, for the redirect_uri it was issued to.
    if (grant === undefined || grant.expiresAt <= at || grant.redirectUri !== form.redirect_uri) return { status: 400, body: { error: 'invalid_grant' } };
    state.authorizationCodes.delete(form.code as string);
    realmId = grant.realmId;
  } else if (form.grant_type === 'refresh_token') {
    const grant = typeof form.refresh_token === 'string' ? state.refreshTokens.get(form.refresh_token) : undefined;
    if (grant === undefined || grant.expiresAt <= at) return { status: 400, body: { error: 'invalid_grant' } };
    // Rotation: the refresh token just used is spent; only the new one works from now on.
    state.refreshTokens.delete(form.refresh_token as string);
    realmId = grant.realmId;
  } else {
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  }
  const accessToken = newToken('eyJ');
  const refreshToken = newToken('RT1-');
  state.accessTokens.set(accessToken, { realmId, expiresAt: at + ACCESS_TOKEN_TTL_SECONDS * 1000 });
  state.refreshTokens.set(refreshToken, { realmId, expiresAt: at + REFRESH_TOKEN_TTL_SECONDS * 1000 });
  return {
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
    body: {
      token_type: 'bearer',
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      x_refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
    },
  };
}

function newToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

// ---- Faults ----------------------------------------------------------------------------------

function authenticationFault(at: number): SandboxResponse {
  return fault(401, 'AuthenticationFault', { Message: FAULT_MESSAGES.authenticationFailed, Detail: 'Authentication Failed', code: FAULT_CODES.authenticationFailed }, at);
}

/** Intuit sends no Retry-After with its throttle; the limit is a sliding minute. */
function throttled(at: number): SandboxResponse {
  return fault(429, 'SERVICE', { Message: FAULT_MESSAGES.throttleExceeded, Detail: FAULT_MESSAGES.throttleDetail, code: FAULT_CODES.throttleExceeded }, at);
}

function errorResponse(failure: SandboxFailure, request: SandboxRequest, at: number): SandboxResponse {
  switch (failure.kind) {
    case 'rate-limited':
      return throttled(at);
    case 'unknown-route':
      return fault(
        400,
        'ValidationFault',
        { Message: FAULT_MESSAGES.unsupportedOperation, Detail: `Operation ${request.method} ${request.path} is not supported.`, code: FAULT_CODES.unsupportedOperation },
        at,
      );
    case 'bad-body':
      return fault(failure.status, 'ValidationFault', { Message: FAULT_MESSAGES.invalidProperty, Detail: failure.message, code: FAULT_CODES.invalidProperty }, at);
    case 'unavailable':
    case 'injected':
      switch (failure.status) {
        case 401:
          return authenticationFault(at);
        case 403:
          return fault(403, 'AuthorizationFault', { Message: FAULT_MESSAGES.authorizationFailed, Detail: '', code: FAULT_CODES.applicationAuthorizationFailed }, at);
        case 404:
          return fault(404, 'ValidationFault', { Message: FAULT_MESSAGES.unsupportedOperation, Detail: `Resource ${request.path} not found`, code: FAULT_CODES.unsupportedOperation }, at);
        case 429:
          return throttled(at);
      }
      if (failure.status >= 500) return fault(failure.status, 'SystemFault', { Message: FAULT_MESSAGES.systemFailure, Detail: failure.message, code: FAULT_CODES.systemFailure }, at);
      return fault(failure.status, 'ValidationFault', { Message: failure.message, Detail: failure.message, code: FAULT_CODES.businessValidation }, at);
  }
}

// ---- Webhooks --------------------------------------------------------------------------------

/**
 * `<Entity>.<Operation>` (QUICKBOOKS_EVENT_TYPES): the change happens in the consenting realm's
 * books, then is announced. With `data: { id }` the event names that existing record instead of
 * a new one.
 */
function dataChangeEvent(type: string, state: QuickBooksState, realmId: string, data: unknown, at: number): unknown {
  if (!(QUICKBOOKS_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new Error(`the QuickBooks sandbox builds ${QUICKBOOKS_EVENT_TYPES.join(', ')} events, not ${type}`);
  }
  const [name = '', operation = ''] = type.split('.');
  const books = state.realms.get(realmId)!;
  const given = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  const id = typeof given === 'string' ? given : undefined;
  const firstCustomer = books.customers.all()[0]!.Id;
  const collections = { Customer: books.customers, Invoice: books.invoices, Payment: books.payments, CreditMemo: books.creditMemos } as const;
  const collection = collections[name as keyof typeof collections];

  let record: { Id: string; MetaData: { LastUpdatedTime: string } } | Refusal | undefined;
  if (operation === 'Update') record = touch(books, collection as typeof books.customers, id ?? collection.all()[0]?.Id ?? '', at);
  else if (id !== undefined) record = collection.get(id);
  else if (name === 'Customer') record = createCustomerRecord(books, { DisplayName: `Webhook Customer ${books.customers.size + 1}` }, at);
  else if (name === 'Payment') record = createPaymentRecord(books, { CustomerRef: { value: firstCustomer }, TotalAmt: 10 }, at);
  else {
    const line = { Amount: 19.99, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '3' }, Qty: 1, UnitPrice: 19.99 } };
    record = createSalesTransaction(books, name as 'Invoice' | 'CreditMemo', { CustomerRef: { value: firstCustomer }, Line: [line] }, at);
  }
  if (record === undefined) throw new Error(`the QuickBooks sandbox has no ${name} ${id ?? ''} to announce`);
  if (record instanceof Refusal) throw new Error(`the QuickBooks sandbox could not make a ${name} for the event: ${JSON.stringify(record.response.body)}`);
  return {
    eventNotifications: [
      { realmId, dataChangeEvent: { entities: [{ name, id: record.Id, operation, lastUpdated: record.MetaData.LastUpdatedTime }] } },
    ],
  };
}
