import { request as undiciRequest, type Dispatcher } from 'undici';
import {
  AuthError,
  RetryableError,
  errorFromResponse,
  type Action,
  type Connector,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
} from '@weft/sdk';
import type { Clock } from '../core/clock.ts';
import type { CallAnswer, CallRequestRecord } from '../store/store.ts';
import { capBody, credentialScrubber, redactBody, redactHeaders, redactUrl, type CredentialScrubber } from '../engine/redact.ts';
import { describeNetworkError, flattenHeaders, requestDeadline } from '../engine/outbound-request.ts';
import { formatSeconds } from '../engine/classify-response.ts';
import { EgressDeniedError } from './egress-guard.ts';
import { encodeRequestBody } from './request-body.ts';
import { outcomeForStatus, type ConnectionLimiter } from './rate-limit/limiter.ts';
import { PreconnectingAgent } from './preconnecting-agent.ts';

/** Adds credentials to a request; `refresh` is asked for once after an auth failure. */
export interface ConnectionAuth {
  /** Resolves to the access token put on the request, when the scheme has one that `refresh` can replace. */
  authorize(request: { url: URL; method: string; headers: Record<string, string>; body?: string | Buffer }): Promise<string | void>;
  /** After a 401 (or a detected auth failure) on a request sent with `usedToken`: drop that token. True when a retry may succeed. */
  refresh?(usedToken: string | undefined): Promise<boolean>;
}

/** The connection's budget has no room now: the run should wait until `until`, spending no attempt. */
export class CapacityWaitError extends Error {
  readonly code = 'ERR_CONNECTOR_WAIT';
  constructor(
    readonly until: number,
    readonly reason: string,
  ) {
    super(`the connection's ${reason} limit has no room before ${new Date(until).toISOString()}`);
  }
}

export interface ConnectorHttpOptions {
  connector: Connector;
  /** The connection's shared rate limits, concurrency cap and circuit breaker. */
  limiter?: ConnectionLimiter;
  /** The action being executed: its `errors` hook classifies responses first. */
  action?: Action;
  baseUrl: string;
  auth: ConnectionAuth;
  dispatcher: Dispatcher;
  clock: Clock;
  signal: AbortSignal;
  timeoutMs: number;
  /** Extra headers on every request of this execution (the idempotency key). */
  headers?: Record<string, string>;
  /** Extra query parameters on every request, unless the request sets them (an idempotency key a vendor reads from the URL). */
  query?: Record<string, string>;
  /**
   * The audit log's part in each request: told the request (redacted, capped) before it leaves —
   * which waits until the returned handle resolves, so a run's record is durable first — and then,
   * through the handle, its outcome or that it did not leave after all.
   */
  audit(request: AuditedRequest): Promise<AuditedRequestHandle>;
  /** The connection the calls go through, named in each audit record (the console filters by it). */
  connection?: string;
  auditBodyBytes: number;
  redactFields: string[];
}

/** A request as the audit log keeps it; the caller knows which run and step it belongs to. */
export type AuditedRequest = Omit<CallRequestRecord, 'flowId' | 'runId' | 'stepPath' | 'attempt'>;

export interface AuditedRequestHandle {
  /**
   * `sentAt`: when the request was handed to the network, the record's `at` from then on, which
   * `durationMs` counts from. The record was made before the connection opened and the limiter's
   * wait, so its first `at` is earlier.
   */
  answered(answer: CallAnswer, sentAt: number): void;
  /** The request never left (the connection's budget had no room, or the limiter failed): nothing to keep. */
  unsent(): void;
}

/**
 * The engine's side of `ctx.http`: base URL, auth, the egress guard (through the dispatcher),
 * the audit record and error classification live here, so a connector cannot bypass them.
 */
/** A connector's HttpClient that can also scrub, from text built out of its answers, the credentials it sent. */
export interface ConnectorHttpClient extends HttpClient {
  /**
   * `text` with every credential value this client has put on a request replaced: for messages
   * made from a vendor's answer (an exception's sentence), since a vendor may quote the key it refused.
   */
  scrubCredentials(text: string): string;
}

export function createConnectorHttpClient(options: ConnectorHttpOptions): ConnectorHttpClient {
  const { clock } = options;
  const credentialsAt = credentialPlaces(options.connector);
  const redactedQueryNames = [...options.redactFields, ...credentialsAt.query];
  const credentialsSent = new Set<string>();

  /** The request as it will leave, credentials on: a signature covers exactly the bytes sent. */
  async function prepare(request: HttpRequest): Promise<PreparedRequest> {
    const url = buildUrl(options.baseUrl, request);
    for (const [name, value] of Object.entries(options.query ?? {})) if (!url.searchParams.has(name)) url.searchParams.set(name, value);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...options.headers, ...request.headers })) headers[name.toLowerCase()] = value;
    const encoded = encodeRequestBody(request);
    if (encoded) headers['content-type'] ??= encoded.contentType;
    headers.accept ??= 'application/json';
    const outgoing = { url, method: request.method, headers, ...(encoded ? { body: encoded.body } : {}) };
    const accessToken = (await options.auth.authorize(outgoing)) ?? undefined;
    const credentials = credentialValuesOn(outgoing, credentialsAt, accessToken);
    for (const value of credentials) credentialsSent.add(value);
    const scrub = credentialScrubber(credentials);
    return { ...outgoing, scrub, ...(encoded ? { unsignedBody: encoded.body } : {}), ...(accessToken === undefined ? {} : { accessToken }) };
  }

  function audited({ method, url, headers, unsignedBody, scrub }: PreparedRequest): AuditedRequest {
    return {
      ...(options.connection === undefined ? {} : { connection: options.connection }),
      at: clock.now(),
      method,
      url: scrub.url(redactUrl(url.toString(), redactedQueryNames)),
      requestHeaders: scrub.headers(redactHeaders(headers, credentialsAt.headers)),
      requestBody: unsignedBody === undefined ? null : capBody(scrub.text(redactBody(unsignedBody.toString(), options.redactFields, headers['content-type'])), options.auditBodyBytes),
    };
  }

  async function send({ method, url, headers, body, scrub }: PreparedRequest, audit: AuditedRequestHandle): Promise<HttpResponse> {
    const startedAt = clock.now();
    const deadline = requestDeadline(options.signal, options.timeoutMs);
    let status: number;
    let responseHeaders: Record<string, string>;
    let text: string;
    try {
      const response = await undiciRequest(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        dispatcher: options.dispatcher,
        signal: deadline.signal,
      });
      status = response.statusCode;
      responseHeaders = flattenHeaders(response.headers);
      text = await response.body.text();
    } catch (error) {
      const timedOut = deadline.hasTimedOut();
      audit.answered({ status: null, durationMs: clock.now() - startedAt, responseHeaders: {}, responseBody: null, error: scrub.text(describeError(error, timedOut, options.timeoutMs)) }, startedAt);
      if (options.signal.aborted || error instanceof EgressDeniedError) throw error;
      throw timedOut
        ? new RetryableError('ERR_CONNECTOR_TIMEOUT', { reason: 'timeout', message: `${options.connector.name} did not answer within ${formatSeconds(options.timeoutMs)}` })
        : new RetryableError('ERR_CONNECTOR_NETWORK', { message: `Could not reach ${options.connector.name}: ${describeNetworkError(error)}` });
    } finally {
      deadline.dispose();
    }
    // A vendor may echo the credential it was sent (an error quoting the key it refused, a debug endpoint).
    audit.answered(
      {
        status,
        durationMs: clock.now() - startedAt,
        responseHeaders: scrub.headers(redactHeaders(responseHeaders)),
        responseBody: capBody(scrub.text(redactBody(text, options.redactFields, responseHeaders['content-type'])), options.auditBodyBytes),
        error: null,
      },
      startedAt,
    );
    return { status, headers: responseHeaders, body: parseBody(text, responseHeaders['content-type']), text };
  }

  /**
   * One request inside the connection's limits: wait, send, tell the limiter what the vendor said.
   * Also says which access token went with it, for a refresh after a 401.
   */
  async function limitedSend(request: HttpRequest): Promise<{ response: HttpResponse; accessToken: string | undefined }> {
    // Credentials first (a vault read, perhaps an OAuth token), and the connection too: once the
    // limiter grants a slot the request must leave at once, or it arrives later than its slot and
    // crowds the next window (ADR-0009). A signed timestamp is then older by at most the
    // limiter's wait. A failed connection is the send's to report, with its audit record.
    const prepared = await prepare(request);
    return { response: await sendWithinLimits(prepared), accessToken: prepared.accessToken };
  }

  async function sendWithinLimits(prepared: PreparedRequest): Promise<HttpResponse> {
    const { limiter } = options;
    // The request is on record before it leaves; the record is written while the connection opens.
    const recorded = options.audit(audited(prepared));
    if (!limiter) return send(prepared, await recorded);
    const preconnected = options.dispatcher instanceof PreconnectingAgent ? options.dispatcher.preconnect(prepared.url.origin).catch(() => undefined) : undefined;
    const [audit] = await Promise.all([recorded, preconnected]);
    const endpoint = options.action?.id;
    // The limiter reads and writes the store, and may fail (StoreUnavailableError): the request
    // then never leaves, and a record left unanswered would read as interrupted ("the vendor may
    // have it") and number the next attempt as a second one.
    const acquisition = await limiter.acquire(endpoint, { timeoutMs: options.timeoutMs }).catch((error: unknown) => {
      audit.unsent();
      throw error;
    });
    if (acquisition.status === 'wait') {
      audit.unsent();
      throw new CapacityWaitError(acquisition.waitUntil, acquisition.reason);
    }
    let response: HttpResponse;
    try {
      response = await send(prepared, audit);
    } catch (error) {
      // Cut short by our own signal (shutdown, a lost lease), or refused by the egress guard: no
      // word on the vendor's health, so no breaker failure (five at shutdown would open it).
      await acquisition.release(error instanceof EgressDeniedError || options.signal.aborted ? 'unsent' : 'failure');
      throw error;
    }
    try {
      await limiter.observe(endpoint, response);
    } finally {
      // Also when the store would not take the vendor's signals: a slot kept would stay taken
      // until its lease ends, and a breaker probe kept would hold the connection shut.
      await acquisition.release(outcomeForStatus(response.status));
    }
    return response;
  }

  function classify(response: HttpResponse) {
    const hooked = options.action?.errors?.(response);
    if (hooked) return hooked;
    if (response.status >= 200 && response.status < 300) return undefined;
    return errorFromResponse({ status: response.status, headers: response.headers, body: response.body, now: clock.now() });
  }

  return {
    scrubCredentials: (text) => credentialScrubber([...credentialsSent]).text(text),
    async request(request) {
      const first = await limitedSend(request);
      let { response } = first;
      const authFailed = response.status === 401 || options.connector.detectAuthFailure?.(response) === true;
      // Tokens expire early, or are revoked: refresh once and try again, never more.
      if (authFailed && options.auth.refresh && (await options.auth.refresh(first.accessToken))) ({ response } = await limitedSend(request));
      if (options.connector.detectAuthFailure?.(response) === true) {
        throw new AuthError('ERR_CONNECTOR_AUTH_FAILED', { message: `${options.connector.name} did not accept the credentials`, status: response.status });
      }
      const error = classify(response);
      if (error) throw error;
      return response;
    },
  };
}

interface PreparedRequest {
  method: HttpRequest['method'];
  url: URL;
  headers: Record<string, string>;
  /** As authorized: a scheme may sign inside the body (NetSuite's tokenPassport). */
  body?: string | Buffer;
  /** The body before auth touched it: what the audit keeps. */
  unsignedBody?: string | Buffer;
  /** The access token auth put on it, named to `refresh` if the destination refuses it. */
  accessToken?: string;
  /** Hides the credential values auth put on it wherever its audit record holds them. */
  scrub: CredentialScrubber;
}

function buildUrl(baseUrl: string, request: HttpRequest): URL {
  const url = request.url !== undefined ? new URL(request.url) : new URL(baseUrl.replace(/\/+$/, '') + '/' + request.path.replace(/^\/+/, ''));
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, String(item));
    else url.searchParams.set(name, String(value));
  }
  return url;
}

/**
 * The headers and query parameters a connector's auth schemes put credentials in, whatever they
 * are called (X-Auth-Key, Ocp-Apim-Subscription-Key, ?key=): the audit redacts them by name. The
 * other schemes use Authorization, redacted for every request, or sign the body, which the audit
 * keeps unsigned. An hmac-signing timestamp header is no secret and stays readable.
 */
function credentialPlaces(connector: Connector): { headers: string[]; query: string[] } {
  const places = { headers: [] as string[], query: [] as string[] };
  for (const scheme of connector.auth) {
    if (scheme.kind === 'api-key') places[scheme.in === 'header' ? 'headers' : 'query'].push(scheme.name);
    else if (scheme.kind === 'hmac-signing') places.headers.push(scheme.header);
  }
  return places;
}

/**
 * The credential values auth put on a request, which a vendor may echo anywhere in its answer:
 * each header (Authorization too) and query parameter the connector's auth schemes set, the value
 * after a scheme word or prefix ("Bearer …", "Basic …", "Token …"), a basic password, and the
 * access token. A basic user name is not one: often an account id the vendor shows everywhere
 * (Twilio's AC… SID is in every path), it would blank out the record, not protect it.
 */
function credentialValuesOn(request: { url: URL; headers: Record<string, string> }, places: { headers: string[]; query: string[] }, accessToken: string | undefined): string[] {
  const headerNames = new Set(['authorization', ...places.headers.map((name) => name.toLowerCase())]);
  const values: string[] = accessToken === undefined ? [] : [accessToken];
  for (const [name, value] of Object.entries(request.headers)) {
    if (!headerNames.has(name.toLowerCase())) continue;
    const credential = value.slice(value.lastIndexOf(' ') + 1);
    values.push(value, credential);
    if (/^basic\s/i.test(value)) {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon !== -1) values.push(decoded.slice(colon + 1));
    }
  }
  for (const name of places.query) {
    for (const value of request.url.searchParams.getAll(name)) values.push(value);
  }
  return values;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if (contentType !== undefined && !/json/i.test(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timeout after ${timeoutMs} ms`;
  if (error instanceof EgressDeniedError) return error.message;
  return describeNetworkError(error);
}
