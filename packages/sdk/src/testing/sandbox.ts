import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeForm } from '../protocols/form.ts';

/**
 * A sandbox is a stateful fake of one vendor's API on node:http: seeded records, the vendor's
 * error bodies, pagination and webhook signatures, plus fault injection. Connector tests run
 * against it offline, and `weft sandbox <vendor>` serves one for trying flows by hand.
 */

export interface SandboxRequest {
  /** 1, 2, … in arrival order, control requests excluded. */
  seq: number;
  method: string;
  path: string;
  /** The `:name` segments of the matched route. */
  params: Record<string, string>;
  /** Bracketed keys nested, as in form bodies: `?created[gt]=1` is `{ created: { gt: '1' } }`. */
  query: Record<string, unknown>;
  /** Lower-case names. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON or form body; undefined when there is none. */
  body: unknown;
}

export interface SandboxResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export interface SandboxContext<S> {
  state: S;
  now(): number;
  /** The sandbox's own base URL, for `url` fields and links in responses. */
  url: string;
}

export interface SandboxRoute<S> {
  method: string;
  /** `/v1/customers/:id`: `:name` matches one path segment. */
  path: string;
  handle(request: SandboxRequest, context: SandboxContext<S>): SandboxResponse | Promise<SandboxResponse>;
}

/** Why the sandbox itself refused a request; the vendor decides how that looks on the wire. */
export interface SandboxFailure {
  status: number;
  kind: 'rate-limited' | 'unavailable' | 'injected' | 'unknown-route' | 'bad-body';
  message: string;
}

export interface Faults {
  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit?: { count: number; retryAfterSeconds: number };
  /** The next `count` requests fail with `status` (401, 404, 503, …) in the vendor's error shape. */
  failNext?: { count: number; status: number };
  /** Share of requests (0..1) that fail with `errorStatus`, drawn from the sandbox's `random`. */
  errorRate?: number;
  /** Default 500. */
  errorStatus?: number;
  /** Until this instant (ms on the sandbox's clock) every request gets 503 with Retry-After. */
  outageUntil?: number;
  /** Wait before handling each request. */
  delayMs?: number;
  /** Send the status and headers at once, then trickle the body over this long. */
  slowBodyMs?: number;
  /** The next request is never answered, so the client's timeout is what ends it. */
  hangOnce?: boolean;
}

export interface FaultControl {
  /** Replaces the faults of every route, or of one route (`'GET /v1/customers/:id'`); `{}` clears. */
  set(faults: Faults, options?: { route?: string }): void;
  clear(): void;
  get(options?: { route?: string }): Faults;
}

/** The sliding-window limit a vendor enforces, with the headers it reports it in. */
export interface SandboxRateLimit {
  requests: number;
  windowMs: number;
  headers?(status: { limit: number; remaining: number; resetAtMs: number }): Record<string, string>;
}

export interface SandboxWebhooks<S> {
  /** The vendor's signature headers for a body it is about to send to `url` (Twilio signs the URL too). */
  sign(rawBody: string, nowMs: number, url: string): Record<string, string>;
  /**
   * How the vendor puts an event on the wire; default JSON. Slack and Twilio post forms
   * (`payload=<json>`, or one field per parameter).
   */
  encode?(event: unknown): { body: string; contentType: string };
  /** A vendor event of `type`, built from (and recorded in) the sandbox's state. */
  event?(type: string, context: SandboxContext<S>, data?: unknown): unknown;
}

export interface SandboxDefinition<S> {
  name: string;
  /** Called on listen and on reset: every run starts from the same records. */
  seed(): S;
  routes: readonly SandboxRoute<S>[];
  /** Undefined accepts the request; a response refuses it (usually a 401). */
  authenticate?(request: SandboxRequest, context: SandboxContext<S>): SandboxResponse | undefined;
  /** The vendor's error body for failures the sandbox produces itself. */
  errorResponse?(failure: SandboxFailure, request: SandboxRequest): SandboxResponse;
  /** Headers on every API response, e.g. a request id. */
  headers?(request: SandboxRequest): Record<string, string>;
  rateLimit?: SandboxRateLimit;
  webhooks?: SandboxWebhooks<S>;
  /**
   * The vendor's own inspection routes under `/_sandbox/` (e.g. `/_sandbox/slack/messages`), for
   * tests to read what the API did. Not logged as API requests; no auth, faults or rate limit.
   */
  controlRoutes?: readonly SandboxRoute<S>[];
  /**
   * How the vendor reads a form body; default decodeForm (Stripe's nested keys, which refuses a
   * repeated key). Twilio repeats a name for a list (MediaUrl=a&MediaUrl=b).
   */
  decodeFormBody?(rawBody: string): unknown;
  now?: () => number;
  random?: () => number;
}

export interface RequestRecord {
  seq: number;
  at: number;
  method: string;
  path: string;
  /** The matched route's pattern, e.g. `GET /v1/customers/:id`. */
  route?: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: unknown;
  /** Undefined while the request is in flight, and for one left hanging. */
  status?: number;
  /** The fault that answered, when one did. */
  fault?: string;
}

export interface WebhookSendOptions {
  url: string;
  event?: unknown;
  /** Several events, sent one after another in this order (or reversed by outOfOrder). */
  events?: readonly unknown[];
  /** Defaults to the sandbox's own signer. */
  sign?: (rawBody: string, nowMs: number, url: string) => Record<string, string>;
  /** Deliver every event a second time, after all first deliveries, as vendors' retries do. */
  duplicate?: boolean;
  /** Deliver the events newest first. */
  outOfOrder?: boolean;
}

export interface WebhookDelivery {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The receiver's status; undefined when it could not be reached. */
  status?: number;
  error?: string;
}

export interface WebhookControl {
  send(options: WebhookSendOptions): Promise<WebhookDelivery[]>;
  /** Builds `count` (default 1) vendor events of `type` and sends them. */
  emit(options: Omit<WebhookSendOptions, 'event' | 'events'> & { type: string; data?: unknown; count?: number }): Promise<WebhookDelivery[]>;
  deliveries(): WebhookDelivery[];
}

export interface RunningSandbox<S = unknown> {
  name: string;
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  state(): S;
  faults: FaultControl;
  webhooks: WebhookControl;
  /** API requests so far, oldest first; control requests are not included. */
  requests(): RequestRecord[];
  /** Re-seeds the state and forgets requests, faults and deliveries. */
  reset(): void;
  close(): Promise<void>;
}

export interface Sandbox<S> {
  name: string;
  listen(options?: { port?: number; host?: string }): Promise<RunningSandbox<S>>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const SLOW_BODY_CHUNKS = 10;
const WEBHOOK_TIMEOUT_MS = 10_000;
const CONTROL_PREFIX = '/_sandbox/';

interface CompiledRoute<S> {
  route: SandboxRoute<S>;
  key: string;
  pattern: RegExp;
  names: string[];
}

export function createSandbox<S>(definition: SandboxDefinition<S>): Sandbox<S> {
  const routes = definition.routes.map(compileRoute);
  for (const route of definition.controlRoutes ?? []) {
    if (!route.path.startsWith(CONTROL_PREFIX)) throw new Error(`sandbox ${definition.name}: control route ${route.path} must start with ${CONTROL_PREFIX}`);
  }
  const controlRoutes = (definition.controlRoutes ?? []).map(compileRoute);
  return {
    name: definition.name,
    listen: (options = {}) => listen(definition, routes, options, controlRoutes),
  };
}

function compileRoute<S>(route: SandboxRoute<S>): CompiledRoute<S> {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  const method = route.method.toUpperCase();
  return { route, key: `${method} ${route.path}`, pattern: new RegExp(`^${source}$`), names };
}

async function listen<S>(
  definition: SandboxDefinition<S>,
  routes: readonly CompiledRoute<S>[],
  options: { port?: number; host?: string },
  controlRoutes: readonly CompiledRoute<S>[] = [],
): Promise<RunningSandbox<S>> {
  const now = definition.now ?? Date.now;
  const random = definition.random ?? Math.random;
  let state = definition.seed();
  let log: RequestRecord[] = [];
  let deliveries: WebhookDelivery[] = [];
  let faults: Faults = {};
  let routeFaults = new Map<string, Faults>();
  let acceptedAt: number[] = [];
  let seq = 0;
  let url = '';
  const context: SandboxContext<S> = {
    get state() {
      return state;
    },
    now,
    get url() {
      return url;
    },
  };

  const faultControl: FaultControl = {
    set(next, { route } = {}) {
      if (route === undefined) faults = { ...next };
      else if (!routes.some((compiled) => compiled.key === normaliseRouteKey(route))) {
        throw new Error(`sandbox ${definition.name} has no route ${route}; routes are ${routes.map((r) => r.key).join(', ')}`);
      } else routeFaults.set(normaliseRouteKey(route), { ...next });
    },
    clear() {
      faults = {};
      routeFaults = new Map();
    },
    get: ({ route } = {}) => ({ ...(route === undefined ? faults : routeFaults.get(normaliseRouteKey(route))) }),
  };

  const webhookControl: WebhookControl = {
    async send(sendOptions) {
      const sign = sendOptions.sign ?? definition.webhooks?.sign;
      if (sign === undefined) throw new Error(`sandbox ${definition.name} has no webhook signer; pass sign`);
      const events = sendOptions.events ?? (sendOptions.event === undefined ? [] : [sendOptions.event]);
      const ordered = sendOptions.outOfOrder === true ? [...events].reverse() : [...events];
      const queue = sendOptions.duplicate === true ? [...ordered, ...ordered] : ordered;
      const sent: WebhookDelivery[] = [];
      // One at a time, so "out of order" is the order the receiver actually sees.
      const encode = definition.webhooks?.encode ?? encodeJson;
      for (const event of queue) sent.push(await deliverWebhook(sendOptions.url, encode(event), sign, now));
      deliveries.push(...sent);
      return sent;
    },
    emit({ type, data, count = 1, ...rest }) {
      const build = definition.webhooks?.event;
      if (build === undefined) throw new Error(`sandbox ${definition.name} cannot build events; pass them to send()`);
      const events = Array.from({ length: count }, () => build(type, context, data));
      return webhookControl.send({ ...rest, events });
    },
    deliveries: () => [...deliveries],
  };

  // A fault applies once per request, from the route's faults when it names that kind, else the global ones.
  function faultSource(route: string | undefined, kind: keyof Faults): Faults | undefined {
    const own = route === undefined ? undefined : routeFaults.get(route);
    if (own?.[kind] !== undefined) return own;
    return faults[kind] !== undefined ? faults : undefined;
  }

  function injectedFailure(route: string | undefined): { failure: SandboxFailure; headers: Record<string, string>; fault: string } | undefined {
    const at = now();
    const outage = faultSource(route, 'outageUntil');
    if (outage?.outageUntil !== undefined && at < outage.outageUntil) {
      const retryAfterSeconds = Math.max(1, Math.ceil((outage.outageUntil - at) / 1000));
      return {
        failure: { status: 503, kind: 'unavailable', message: `${definition.name} is down for maintenance` },
        headers: { 'retry-after': String(retryAfterSeconds) },
        fault: 'outage',
      };
    }
    const limited = faultSource(route, 'rateLimit');
    if (limited?.rateLimit !== undefined && limited.rateLimit.count > 0) {
      limited.rateLimit = { ...limited.rateLimit, count: limited.rateLimit.count - 1 };
      return {
        failure: { status: 429, kind: 'rate-limited', message: 'Too many requests hit the API too quickly' },
        headers: { 'retry-after': String(limited.rateLimit.retryAfterSeconds) },
        fault: 'rate-limit',
      };
    }
    const failing = faultSource(route, 'failNext');
    if (failing?.failNext !== undefined && failing.failNext.count > 0) {
      failing.failNext = { ...failing.failNext, count: failing.failNext.count - 1 };
      const { status } = failing.failNext;
      return { failure: { status, kind: 'injected', message: `Injected failure (HTTP ${status})` }, headers: {}, fault: `fail-next ${status}` };
    }
    const flaky = faultSource(route, 'errorRate');
    if (flaky?.errorRate !== undefined && flaky.errorRate > 0 && random() < flaky.errorRate) {
      const status = flaky.errorStatus ?? 500;
      return { failure: { status, kind: 'injected', message: `Injected failure (HTTP ${status})` }, headers: {}, fault: `error-rate ${status}` };
    }
    return undefined;
  }

  function rateLimited(): { failure?: SandboxFailure; headers: Record<string, string> } {
    const limit = definition.rateLimit;
    if (limit === undefined) return { headers: {} };
    const at = now();
    acceptedAt = acceptedAt.filter((time) => time > at - limit.windowMs);
    const isOver = acceptedAt.length >= limit.requests;
    if (!isOver) acceptedAt.push(at);
    const resetAtMs = (acceptedAt[0] ?? at) + limit.windowMs;
    const headers = limit.headers?.({ limit: limit.requests, remaining: limit.requests - acceptedAt.length, resetAtMs }) ?? {};
    if (!isOver) return { headers };
    const retryAfterSeconds = Math.max(1, Math.ceil((resetAtMs - at) / 1000));
    return {
      failure: { status: 429, kind: 'rate-limited', message: 'Too many requests hit the API too quickly' },
      headers: { ...headers, 'retry-after': String(retryAfterSeconds) },
    };
  }

  function failureResponse(failure: SandboxFailure, request: SandboxRequest): SandboxResponse {
    return definition.errorResponse?.(failure, request) ?? { status: failure.status, body: { error: { message: failure.message } } };
  }

  async function handleApi(request: SandboxRequest, record: RequestRecord, res: ServerResponse, unparsable: Unparsable | undefined): Promise<void> {
    const matched = matchRoute(routes, request.method, request.path);
    if (matched !== undefined) {
      record.route = matched.compiled.key;
      request.params = matched.params;
    }
    const routeKey = matched?.compiled.key;
    const hang = faultSource(routeKey, 'hangOnce');
    if (hang?.hangOnce === true) {
      hang.hangOnce = false;
      record.fault = 'hang';
      return;
    }
    const delay = faultSource(routeKey, 'delayMs')?.delayMs;
    if (delay !== undefined && delay > 0) await sleep(delay);
    const slowBodyMs = faultSource(routeKey, 'slowBodyMs')?.slowBodyMs;

    const send = async (response: SandboxResponse, extraHeaders: Record<string, string> = {}) => {
      const headers = { ...definition.headers?.(request), ...extraHeaders, ...response.headers };
      record.status = response.status ?? 200;
      await writeResponse(res, { ...response, headers }, slowBodyMs);
    };

    const injected = injectedFailure(routeKey);
    if (injected !== undefined) {
      record.fault = injected.fault;
      return send(failureResponse(injected.failure, request), injected.headers);
    }
    const limit = rateLimited();
    if (limit.failure !== undefined) {
      record.fault = 'rate-limit window';
      return send(failureResponse(limit.failure, request), limit.headers);
    }
    if (unparsable !== undefined) {
      return send(failureResponse({ status: 400, kind: 'bad-body', message: unparsable.message }, request), limit.headers);
    }
    const refused = definition.authenticate?.(request, context);
    if (refused !== undefined) return send(refused, limit.headers);
    if (matched === undefined) {
      const failure: SandboxFailure = { status: 404, kind: 'unknown-route', message: `Unrecognized request URL (${request.method}: ${request.path})` };
      return send(failureResponse(failure, request), limit.headers);
    }
    return send(await matched.compiled.route.handle(request, context), limit.headers);
  }

  async function handleControl(request: SandboxRequest): Promise<SandboxResponse> {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const route = `${request.method} ${request.path.slice(CONTROL_PREFIX.length - 1)}`;
    switch (route) {
      case 'GET /requests':
        return { body: { requests: log } };
      case 'GET /faults':
        return { body: { faults, routes: Object.fromEntries(routeFaults) } };
      case 'POST /faults': {
        const { route: target, ...next } = body;
        faultControl.set(next as Faults, typeof target === 'string' ? { route: target } : {});
        return { body: faultControl.get(typeof target === 'string' ? { route: target } : {}) };
      }
      case 'POST /reset':
        running.reset();
        return { status: 204 };
      case 'POST /webhooks/deliver': {
        if (typeof body.url !== 'string') return { status: 400, body: { error: { message: 'url is required' } } };
        const common = { url: body.url, duplicate: body.duplicate === true, outOfOrder: body.outOfOrder === true };
        const sent =
          body.event !== undefined
            ? await webhookControl.send({ ...common, event: body.event })
            : typeof body.type === 'string'
              ? await webhookControl.emit({ ...common, type: body.type, data: body.data, count: typeof body.count === 'number' ? body.count : 1 })
              : undefined;
        if (sent === undefined) return { status: 400, body: { error: { message: 'give type (a vendor event type) or event (a body)' } } };
        return { body: { deliveries: sent } };
      }
    }
    const own = matchRoute(controlRoutes, request.method, request.path);
    if (own !== undefined) return own.compiled.route.handle({ ...request, params: own.params }, context);
    return { status: 404, body: { error: { message: `no sandbox control ${route}` } } };
  }

  const server = createServer((req, res) => {
    readRequest(req).then(
      async ({ rawBody, isTooLarge }) => {
        const target = new URL(req.url ?? '/', 'http://sandbox');
        const query = parseQuery(target.search);
        const body = parseBody(req.headers['content-type'], rawBody, definition.decodeFormBody ?? decodeForm);
        const request: SandboxRequest = {
          seq: 0,
          method: (req.method ?? 'GET').toUpperCase(),
          path: target.pathname,
          params: {},
          query: query instanceof Unparsable ? {} : query,
          headers: flattenHeaders(req),
          rawBody,
          body: body instanceof Unparsable ? undefined : body,
        };
        const unparsable = [query, body].find((part) => part instanceof Unparsable);
        if (request.path.startsWith(CONTROL_PREFIX)) {
          const answer = await handleControl(request).catch((error: unknown) => ({ status: 400, body: { error: { message: (error as Error).message } } }));
          return writeResponse(res, answer, undefined);
        }
        request.seq = ++seq;
        const record: RequestRecord = {
          seq: request.seq,
          at: now(),
          method: request.method,
          path: request.path,
          query: request.query,
          headers: request.headers,
          body: body instanceof Unparsable ? rawBody : body,
        };
        log.push(record);
        if (isTooLarge) {
          record.status = 413;
          const failure: SandboxFailure = { status: 413, kind: 'bad-body', message: `The request body exceeds ${MAX_BODY_BYTES} bytes` };
          return writeResponse(res, failureResponse(failure, request), undefined);
        }
        await handleApi(request, record, res, unparsable);
      },
    ).catch((error: unknown) => {
      if (!res.headersSent) writeResponse(res, { status: 500, body: { error: { message: `sandbox bug: ${(error as Error).message}` } } }, undefined);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;

  const running: RunningSandbox<S> = {
    name: definition.name,
    url,
    state: () => state,
    faults: faultControl,
    webhooks: webhookControl,
    requests: () => [...log],
    reset() {
      state = definition.seed();
      log = [];
      seq = 0;
      deliveries = [];
      acceptedAt = [];
      faultControl.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hung requests and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      }),
  };
  return running;
}

function normaliseRouteKey(route: string): string {
  const [method = '', ...path] = route.trim().split(/\s+/);
  return `${method.toUpperCase()} ${path.join(' ')}`;
}

function matchRoute<S>(
  routes: readonly CompiledRoute<S>[],
  method: string,
  path: string,
): { compiled: CompiledRoute<S>; params: Record<string, string> } | undefined {
  for (const compiled of routes) {
    if (compiled.route.method.toUpperCase() !== method) continue;
    const match = compiled.pattern.exec(path);
    if (match === null) continue;
    const params: Record<string, string> = {};
    compiled.names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] ?? '');
    });
    return { compiled, params };
  }
  return undefined;
}

// A value rather than a thrown error: parsing happens before faults apply, and a fault answers first.
class Unparsable {
  constructor(readonly message: string) {}
}

function parseQuery(search: string): Record<string, unknown> | Unparsable {
  try {
    return decodeForm(search.slice(1));
  } catch (error) {
    return new Unparsable(`The query string is malformed: ${(error as Error).message}`);
  }
}

function parseBody(contentType: string | undefined, rawBody: string, decodeFormBody: (rawBody: string) => unknown): unknown {
  if (rawBody === '') return undefined;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  try {
    if (type === 'application/x-www-form-urlencoded') return decodeFormBody(rawBody);
    if (type === 'application/json' || type?.endsWith('+json')) return JSON.parse(rawBody);
  } catch (error) {
    return new Unparsable(`The request body is malformed: ${(error as Error).message}`);
  }
  return rawBody;
}

function readRequest(req: IncomingMessage): Promise<{ rawBody: string; isTooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let isTooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) isTooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ rawBody: isTooLarge ? '' : Buffer.concat(chunks).toString('utf8'), isTooLarge }));
    req.on('error', reject);
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function writeResponse(res: ServerResponse, response: SandboxResponse, slowBodyMs: number | undefined): Promise<void> {
  const status = response.status ?? 200;
  const headers: Record<string, string> = { ...response.headers };
  let payload: Buffer | undefined;
  if (response.body !== undefined && status !== 204) {
    const isText = typeof response.body === 'string';
    payload = Buffer.from(isText ? (response.body as string) : JSON.stringify(response.body));
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
    }
  }
  headers['content-length'] = String(payload?.length ?? 0);
  res.writeHead(status, headers);
  if (payload === undefined || slowBodyMs === undefined || slowBodyMs <= 0 || payload.length < 2) {
    res.end(payload);
    return;
  }
  res.flushHeaders();
  const chunkSize = Math.ceil(payload.length / SLOW_BODY_CHUNKS);
  const chunkCount = Math.ceil(payload.length / chunkSize);
  for (let offset = 0; offset < payload.length; offset += chunkSize) {
    if (res.destroyed) return;
    res.write(payload.subarray(offset, offset + chunkSize));
    await sleep(slowBodyMs / chunkCount);
  }
  res.end();
}

function encodeJson(event: unknown): { body: string; contentType: string } {
  return { body: JSON.stringify(event), contentType: 'application/json' };
}

async function deliverWebhook(
  url: string,
  { body, contentType }: { body: string; contentType: string },
  sign: (rawBody: string, nowMs: number, url: string) => Record<string, string>,
  now: () => number,
): Promise<WebhookDelivery> {
  // Signed at send time, as vendors re-sign every retry with a fresh timestamp.
  const headers = { 'content-type': contentType, ...sign(body, now(), url) };
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    await response.arrayBuffer();
    return { url, body, headers, status: response.status };
  } catch (error) {
    return { url, body, headers, error: (error as Error).message };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
