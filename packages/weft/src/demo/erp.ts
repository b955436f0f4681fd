import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * A local ERP sandbox: a sales-order API that honours `Idempotency-Key` the way Stripe does and
 * counts creations per business id, so tests, the demo and the benchmark can check that every
 * order was created exactly once. Plain node:http keeps it cheap enough to be a benchmark sink.
 */

/** The seeded item catalogue; `ABC-9` is deliberately missing so a shop can send a bad SKU. */
export const erpCatalogue: readonly string[] = [
  'TSHIRT-RED-S', 'TSHIRT-RED-M', 'TSHIRT-RED-L',
  'TSHIRT-BLUE-S', 'TSHIRT-BLUE-M', 'TSHIRT-BLUE-L',
  'HOODIE-GREY-M', 'HOODIE-GREY-L',
  'CAP-BLACK', 'CAP-WHITE',
  'MUG-WHITE-330', 'MUG-BLACK-330',
  'SOCKS-STRIPE-39', 'SOCKS-STRIPE-43',
  'TOTE-NATURAL', 'STICKER-PACK-10',
  'POSTER-A2-WAVE', 'NOTEBOOK-A5-DOT',
  'BOTTLE-STEEL-750', 'BEANIE-NAVY',
];

export interface ErpFaults {
  /** Share of requests (0..1) answered 503, drawn from `random`. */
  failureRate?: number;
  /** Until this instant (ms on the ERP's clock) every request gets 503 with Retry-After. */
  outageUntil?: number;
  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit?: { retryAfterSeconds: number; count: number };
}

export interface ErpStats {
  /** POSTs to /api/sales-orders, whatever their outcome. */
  requests: number;
  created: number;
  /** Repeats answered from the idempotency store without creating again. */
  replayedByKey: number;
  /** Requests the ERP refused on their merits (400, 409, 422). */
  rejected: number;
  /** Requests refused by an injected fault (429, 503). */
  faulted: number;
  creationsPerOrder: Record<string, number>;
  /** Sum over orders of (creations - 1): anything above 0 is a duplicate that slipped past the key. */
  duplicateCreations: number;
  firstRequestAt?: number;
}

export interface ErpRequestRecord {
  at: number;
  method: string;
  path: string;
  status: number;
  idempotencyKey?: string;
}

export interface SalesOrder {
  id: string;
  externalId: string;
  status: 'open';
  createdAt: string;
  customer?: unknown;
  lines: SalesOrderLine[];
  currency?: string;
  total?: number;
}

export interface SalesOrderLine {
  sku: string;
  quantity: number;
  unitPrice: number;
}

export interface Erp {
  /** `http://127.0.0.1:PORT` */
  url: string;
  close(): Promise<void>;
  stats(): ErpStats;
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: ErpFaults): void;
  requestLog(): ErpRequestRecord[];
}

export interface ErpOptions {
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  host?: '127.0.0.1';
  knownSkus?: readonly string[];
  /** Delay before each API request is handled, like a real ERP's processing time. */
  latencyMs?: number;
  random?: () => number;
  now?: () => number;
  /** Called once per created sales order, e.g. for the benchmark's delivery latency. */
  onCreate?: (externalId: string, atMs: number) => void;
  /** When set, /api/* requires `Authorization: Bearer <token>`, like a real ERP's API key. */
  bearerToken?: string;
}

const maxBodyBytes = 1024 * 1024;
const salesOrdersPath = '/api/sales-orders';

interface StoredResponse {
  status: number;
  body: string;
  requestHash: string;
}

interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Validated = { ok: true; order: Omit<SalesOrder, 'id' | 'status' | 'createdAt'> } | { ok: false; answer: ApiAnswer };

export async function startErp(options: ErpOptions = {}): Promise<Erp> {
  const host = options.host ?? '127.0.0.1';
  const knownSkus = new Set(options.knownSkus ?? erpCatalogue);
  const latencyMs = options.latencyMs ?? 0;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  let faults: ErpFaults = {};
  const byKey = new Map<string, StoredResponse>();
  const ordersById = new Map<string, SalesOrder>();
  const ordersByExternalId = new Map<string, SalesOrder[]>();
  const log: ErpRequestRecord[] = [];
  const stats: ErpStats = { requests: 0, created: 0, replayedByKey: 0, rejected: 0, faulted: 0, creationsPerOrder: {}, duplicateCreations: 0 };

  function injectedFault(): ApiAnswer | undefined {
    const at = now();
    if (faults.outageUntil !== undefined && at < faults.outageUntil) {
      const retryAfterSeconds = Math.max(1, Math.ceil((faults.outageUntil - at) / 1000));
      return { status: 503, headers: { 'retry-after': String(retryAfterSeconds) }, body: errorBody('UNAVAILABLE', 'The ERP is down for maintenance') };
    }
    if (faults.rateLimit && faults.rateLimit.count > 0) {
      faults.rateLimit.count -= 1;
      return {
        status: 429,
        headers: { 'retry-after': String(faults.rateLimit.retryAfterSeconds) },
        body: errorBody('RATE_LIMITED', 'Too many requests'),
      };
    }
    if (faults.failureRate !== undefined && faults.failureRate > 0 && random() < faults.failureRate) {
      return { status: 503, body: errorBody('UNAVAILABLE', 'The ERP is temporarily unavailable') };
    }
    return undefined;
  }

  function validate(input: unknown): Validated {
    if (!isRecord(input)) return invalid('the body must be a JSON object');
    const { externalId, customer, lines, currency, total } = input;
    if (typeof externalId !== 'string' || externalId.length === 0) return invalid('externalId must be a non-empty string');
    if (customer !== undefined && !isRecord(customer)) return invalid('customer must be an object');
    if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))) {
      return invalid('currency must be a three-letter ISO 4217 code such as EUR');
    }
    if (total !== undefined && (typeof total !== 'number' || !Number.isFinite(total) || total < 0)) {
      return invalid('total must be a non-negative number');
    }
    if (!Array.isArray(lines) || lines.length === 0) return invalid('lines must be a non-empty array');
    const checked: SalesOrderLine[] = [];
    for (const [index, line] of lines.entries()) {
      if (!isRecord(line)) return invalid(`lines[${index}] must be an object`);
      const { sku, quantity, unitPrice } = line;
      if (typeof sku !== 'string' || sku.length === 0) return invalid(`lines[${index}].sku must be a non-empty string`);
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) {
        return invalid(`lines[${index}].quantity must be a positive integer`);
      }
      if (typeof unitPrice !== 'number' || !Number.isFinite(unitPrice) || unitPrice < 0) {
        return invalid(`lines[${index}].unitPrice must be a non-negative number`);
      }
      if (!knownSkus.has(sku)) {
        return { ok: false, answer: { status: 422, body: errorBody('UNKNOWN_SKU', `SKU '${sku}' does not exist`) } };
      }
      checked.push({ sku, quantity, unitPrice });
    }
    const order: Omit<SalesOrder, 'id' | 'status' | 'createdAt'> = { externalId, lines: checked };
    if (customer !== undefined) order.customer = customer;
    if (currency !== undefined) order.currency = currency;
    if (total !== undefined) order.total = total;
    return { ok: true, order };
  }

  function createSalesOrder(fields: Omit<SalesOrder, 'id' | 'status' | 'createdAt'>): SalesOrder {
    const at = now();
    stats.created += 1;
    const order: SalesOrder = { id: `SO-${String(stats.created).padStart(6, '0')}`, status: 'open', createdAt: new Date(at).toISOString(), ...fields };
    ordersById.set(order.id, order);
    const sameOrder = ordersByExternalId.get(order.externalId);
    if (sameOrder) {
      sameOrder.push(order);
      stats.duplicateCreations += 1;
    } else {
      ordersByExternalId.set(order.externalId, [order]);
    }
    stats.creationsPerOrder[order.externalId] = (stats.creationsPerOrder[order.externalId] ?? 0) + 1;
    options.onCreate?.(order.externalId, at);
    return order;
  }

  /** Everything from the key check to the creation runs in one synchronous turn, so two requests with one key cannot both create. */
  function handleCreate(rawBody: Buffer, idempotencyKey: string | undefined): ApiAnswer {
    const fault = injectedFault();
    if (fault) {
      stats.faulted += 1;
      return fault;
    }
    const requestHash = createHash('sha256').update(rawBody).digest('hex');
    if (idempotencyKey !== undefined) {
      const stored = byKey.get(idempotencyKey);
      if (stored) {
        // Like Stripe: one key names one request; reusing it for a different body is a client bug, not a replay.
        if (stored.requestHash !== requestHash) {
          stats.rejected += 1;
          return { status: 409, body: errorBody('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body') };
        }
        stats.replayedByKey += 1;
        return { status: stored.status, body: stored.body, headers: { 'idempotent-replayed': 'true' } };
      }
    }
    let input: unknown;
    try {
      input = JSON.parse(rawBody.toString('utf8'));
    } catch (error) {
      stats.rejected += 1;
      return { status: 400, body: errorBody('MALFORMED_JSON', `The body is not valid JSON: ${(error as Error).message}`) };
    }
    const checked = validate(input);
    if (!checked.ok) {
      stats.rejected += 1;
      return checked.answer;
    }
    const order = createSalesOrder(checked.order);
    const body = JSON.stringify(publicOrder(order));
    if (idempotencyKey !== undefined) byKey.set(idempotencyKey, { status: 201, body, requestHash });
    return { status: 201, body };
  }

  function handleLookup(url: URL): ApiAnswer {
    const externalId = url.searchParams.get('externalId');
    if (externalId === null) return { status: 400, body: errorBody('MISSING_QUERY', 'Pass ?externalId= to look a sales order up') };
    return { status: 200, body: { data: (ordersByExternalId.get(externalId) ?? []).map(publicOrder) } };
  }

  function handleRequest(request: IncomingMessage, response: ServerResponse, rawBody: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://erp.local');
    const method = request.method ?? 'GET';
    if (options.bearerToken !== undefined && url.pathname.startsWith('/api/') && !hasBearer(request, options.bearerToken)) {
      send(response, { status: 401, body: errorBody('UNAUTHORIZED', 'The API key is missing or wrong') });
      return;
    }

    if (url.pathname === salesOrdersPath && method === 'POST') {
      const at = now();
      stats.requests += 1;
      stats.firstRequestAt ??= at;
      const idempotencyKey = headerValue(request, 'idempotency-key');
      const answer = handleCreate(rawBody, idempotencyKey);
      log.push(idempotencyKey === undefined ? { at, method, path: url.pathname, status: answer.status } : { at, method, path: url.pathname, status: answer.status, idempotencyKey });
      send(response, answer);
      return;
    }
    if (url.pathname === salesOrdersPath && method === 'GET') {
      send(response, handleLookup(url));
      return;
    }
    const orderMatch = /^\/api\/sales-orders\/([^/]+)$/.exec(url.pathname);
    if (orderMatch && method === 'GET') {
      const order = ordersById.get(decodeURIComponent(orderMatch[1] ?? ''));
      send(response, order ? { status: 200, body: publicOrder(order) } : { status: 404, body: errorBody('NOT_FOUND', 'No such sales order') });
      return;
    }
    if (url.pathname === '/_faults' && method === 'POST') {
      try {
        faults = parseFaults(JSON.parse(rawBody.toString('utf8')));
        send(response, { status: 200, body: faults });
      } catch (error) {
        send(response, { status: 400, body: errorBody('INVALID_FAULTS', (error as Error).message) });
      }
      return;
    }
    if (url.pathname === '/_stats' && method === 'GET') {
      send(response, { status: 200, body: snapshot() });
      return;
    }
    if (url.pathname === '/health' && method === 'GET') {
      send(response, { status: 200, body: { status: 'ok' } });
      return;
    }
    send(response, { status: 404, body: errorBody('NOT_FOUND', `No route for ${method} ${url.pathname}`) });
  }

  function snapshot(): ErpStats {
    return { ...stats, creationsPerOrder: { ...stats.creationsPerOrder } };
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let isTooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) isTooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (isTooLarge) {
        send(response, { status: 413, body: errorBody('BODY_TOO_LARGE', `The body exceeds ${maxBodyBytes} bytes`) });
        return;
      }
      const rawBody = Buffer.concat(chunks);
      if (latencyMs > 0) setTimeout(() => handleRequest(request, response, rawBody), latencyMs);
      else handleRequest(request, response, rawBody);
    });
  });
  // Longer than undici's default keep-alive, so the benchmark's pooled connections are not cut mid-request.
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    stats: snapshot,
    setFaults: (next) => {
      faults = structuredClone(next);
    },
    requestLog: () => log.slice(),
  };
}

function publicOrder(order: SalesOrder): { id: string; externalId: string; status: 'open'; createdAt: string } {
  return { id: order.id, externalId: order.externalId, status: order.status, createdAt: order.createdAt };
}

function send(response: ServerResponse, answer: ApiAnswer): void {
  const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...answer.headers });
  response.end(body);
}

function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

function invalid(message: string): Validated {
  return { ok: false, answer: { status: 400, body: errorBody('INVALID_REQUEST', message) } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasBearer(request: IncomingMessage, token: string): boolean {
  const given = Buffer.from(headerValue(request, 'authorization') ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseFaults(input: unknown): ErpFaults {
  if (!isRecord(input)) throw new Error('faults must be a JSON object');
  const faults: ErpFaults = {};
  const { failureRate, outageUntil, rateLimit } = input;
  if (failureRate !== undefined) {
    if (typeof failureRate !== 'number' || failureRate < 0 || failureRate > 1) throw new Error('failureRate must be a number from 0 to 1');
    faults.failureRate = failureRate;
  }
  if (outageUntil !== undefined) {
    if (typeof outageUntil !== 'number') throw new Error('outageUntil must be epoch milliseconds');
    faults.outageUntil = outageUntil;
  }
  if (rateLimit !== undefined) {
    if (!isRecord(rateLimit) || typeof rateLimit.retryAfterSeconds !== 'number' || typeof rateLimit.count !== 'number') {
      throw new Error('rateLimit must be { retryAfterSeconds: number, count: number }');
    }
    faults.rateLimit = { retryAfterSeconds: rateLimit.retryAfterSeconds, count: rateLimit.count };
  }
  return faults;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'latency-ms': { type: 'string', default: '0' },
    },
  });
  const erp = await startErp({ port: Number(values.port), latencyMs: Number(values['latency-ms']) });
  process.stdout.write(`erp listening on ${erp.url}\n`);
  const stop = (): void => {
    erp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
