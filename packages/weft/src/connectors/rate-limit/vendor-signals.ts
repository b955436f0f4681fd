import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '@weft/sdk';

/** What a vendor said about its limits in one response. Times are epoch ms. */
export interface VendorSignals {
  /** The vendor refused this request for rate (429, GraphQL THROTTLED), not for its content. */
  isRateLimited: boolean;
  /** No request should reach the vendor before this (Retry-After, an exhausted window or bucket); at most MAX_RETRY_AFTER_MS away. */
  pauseUntil?: number;
  /** A counted window (X-RateLimit-*, RateLimit-*): requests left and when the count resets. */
  remaining?: number;
  limit?: number;
  resetAt?: number;
  /** A leaky bucket the vendor exposes: Shopify REST calls, or GraphQL cost points. */
  bucket?: { available: number; capacity: number; restorePerSecond: number };
  graphqlCost?: GraphqlCost;
}

export interface GraphqlCost {
  requestedQueryCost?: number;
  /** Null on a throttled response (the query did not run), so absent here. */
  actualQueryCost?: number;
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the response was JSON. */
  body: unknown;
}

/** Reads every signal we know and merges them: the latest pause and the fewest remaining win. */
export function readVendorSignals(response: VendorResponse, now: number): VendorSignals {
  const headers = lowerCaseKeys(response.headers);
  const window = readRateLimitHeaders(headers, now);
  const shopify = readShopifyCallLimit(headers, now);
  const graphql = readGraphqlCost(response.body, now);
  const pauses = [readRetryAfter(response.status, headers, now), window?.pauseUntil, shopify?.pauseUntil, graphql?.pauseUntil];
  const latestPause = pauses.reduce<number | undefined>((latest, at) => (at === undefined ? latest : Math.max(at, latest ?? at)), undefined);
  // Capped as Retry-After is: a reset in ms read as seconds, or a restore rate near zero, would
  // otherwise pause the connection for months, and a stored pause only grows.
  const pauseUntil = latestPause === undefined ? undefined : Math.min(latestPause, now + MAX_RETRY_AFTER_MS);

  const signals: VendorSignals = {
    isRateLimited: isRateLimitRefusal(response.status, response.body) || graphql?.isThrottled === true,
  };
  if (pauseUntil !== undefined) signals.pauseUntil = pauseUntil;
  if (window?.remaining !== undefined) signals.remaining = window.remaining;
  if (window?.limit !== undefined) signals.limit = window.limit;
  if (window?.resetAt !== undefined) signals.resetAt = window.resetAt;
  // Shopify GraphQL responses carry both; the cost bucket is the one that throttles queries.
  const bucket = graphql?.bucket ?? shopify?.bucket;
  if (bucket !== undefined) signals.bucket = bucket;
  if (graphql !== undefined) signals.graphqlCost = graphql.cost;
  return signals;
}

/**
 * Retry-After on 429 and 503 (RFC 9110), and on 403 because GitHub's secondary limit uses it
 * there. Delta seconds may be fractional (Shopify sends "2.0"); `retry-after-ms` (Azure, OpenAI)
 * is milliseconds.
 */
export function readRetryAfter(status: number, headers: Record<string, string>, now: number): number | undefined {
  if (status !== 429 && status !== 503 && status !== 403) return undefined;
  const milliseconds = parseNumber(headers['retry-after-ms']);
  // Capped as parseRetryAfter caps: no vendor means a wait of years.
  if (milliseconds !== undefined && milliseconds >= 0) return now + Math.min(Math.ceil(milliseconds), MAX_RETRY_AFTER_MS);
  const value = headers['retry-after']?.trim();
  if (value === undefined) return undefined;
  const fractionalSeconds = /^\d+\.\d+$/.test(value) ? Number(value) : undefined;
  const delayMs = fractionalSeconds === undefined ? parseRetryAfter(value, now) : Math.min(Math.ceil(fractionalSeconds * 1000), MAX_RETRY_AFTER_MS);
  return delayMs === undefined ? undefined : now + delayMs;
}

/**
 * X-RateLimit-* (GitHub, most REST APIs), X-Rate-Limit-* (older Twitter), the IETF draft's
 * RateLimit-Limit/-Remaining/-Reset, and its later single `RateLimit` field in both spellings
 * (`limit=100, remaining=0, reset=30` and `"default";r=0;t=30`). A window with nothing left
 * pauses until it resets.
 */
export function readRateLimitHeaders(
  headers: Record<string, string>,
  now: number,
): { remaining?: number; limit?: number; resetAt?: number; pauseUntil?: number } | undefined {
  const combined = parseCombinedRateLimit(headers['ratelimit']);
  const remaining =
    firstNumber(headers['x-ratelimit-remaining'] ?? headers['x-rate-limit-remaining'] ?? headers['ratelimit-remaining']) ??
    combined?.remaining;
  if (remaining === undefined) return undefined;
  const limit = firstNumber(headers['x-ratelimit-limit'] ?? headers['x-rate-limit-limit'] ?? headers['ratelimit-limit']) ?? combined?.limit;
  const resetValue = firstNumber(headers['x-ratelimit-reset'] ?? headers['x-rate-limit-reset'] ?? headers['ratelimit-reset']) ?? combined?.reset;
  const resetAfter = firstNumber(headers['x-ratelimit-reset-after']);
  const resetAt = resetAfter !== undefined ? now + Math.ceil(resetAfter * 1000) : resetValue === undefined ? undefined : toResetTime(resetValue, now);

  const result: { remaining?: number; limit?: number; resetAt?: number; pauseUntil?: number } = { remaining };
  if (limit !== undefined) result.limit = limit;
  if (resetAt !== undefined) {
    result.resetAt = resetAt;
    if (remaining <= 0 && resetAt > now) result.pauseUntil = resetAt;
  }
  return result;
}

// Vendors disagree on what a reset number is. An epoch in seconds passed 1e9 in 2001, while a
// delta that large would be 31 years, so size tells them apart; 1e12 and up is epoch ms.
const EPOCH_SECONDS_FROM = 1e9;
const EPOCH_MS_FROM = 1e12;

export function toResetTime(value: number, now: number): number {
  if (value >= EPOCH_MS_FROM) return Math.ceil(value);
  if (value >= EPOCH_SECONDS_FROM) return Math.ceil(value * 1000);
  return now + Math.ceil(value * 1000);
}

// Shopify's REST bucket leaks 2 calls a second per 40 of size (80 and 4 on Plus).
const SHOPIFY_LEAK_PER_CAPACITY = 1 / 20;

/** `X-Shopify-Shop-Api-Call-Limit: 32/40` — used/size of a leaky bucket. */
export function readShopifyCallLimit(
  headers: Record<string, string>,
  now: number,
): { bucket: { available: number; capacity: number; restorePerSecond: number }; pauseUntil?: number } | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(headers['x-shopify-shop-api-call-limit'] ?? '');
  if (match === null) return undefined;
  const used = Number(match[1]);
  const capacity = Number(match[2]);
  if (capacity <= 0) return undefined;
  const restorePerSecond = capacity * SHOPIFY_LEAK_PER_CAPACITY;
  const available = Math.max(0, capacity - used);
  const bucket = { available, capacity, restorePerSecond };
  return available > 0 ? { bucket } : { bucket, pauseUntil: now + Math.ceil(1000 / restorePerSecond) };
}

/**
 * GraphQL cost (`extensions.cost`, Shopify's shape). A THROTTLED refusal pauses until enough
 * points are restored for the query that was refused.
 */
export function readGraphqlCost(
  body: unknown,
  now: number,
): { cost: GraphqlCost; bucket: { available: number; capacity: number; restorePerSecond: number }; isThrottled: boolean; pauseUntil?: number } | undefined {
  const extensions = field(body, 'extensions');
  const cost = field(extensions, 'cost');
  const status = field(cost, 'throttleStatus');
  const maximumAvailable = field(status, 'maximumAvailable');
  const currentlyAvailable = field(status, 'currentlyAvailable');
  const restoreRate = field(status, 'restoreRate');
  if (!isNumber(maximumAvailable) || !isNumber(currentlyAvailable) || !isNumber(restoreRate) || restoreRate <= 0) return undefined;

  const parsed: GraphqlCost = { maximumAvailable, currentlyAvailable, restoreRate };
  const requested = field(cost, 'requestedQueryCost');
  const actual = field(cost, 'actualQueryCost');
  if (isNumber(requested)) parsed.requestedQueryCost = requested;
  if (isNumber(actual)) parsed.actualQueryCost = actual;

  const errors = field(body, 'errors');
  const isThrottled = Array.isArray(errors) && errors.some((error) => field(field(error, 'extensions'), 'code') === 'THROTTLED');
  const result = {
    cost: parsed,
    bucket: { available: currentlyAvailable, capacity: maximumAvailable, restorePerSecond: restoreRate },
    isThrottled,
  };
  if (!isThrottled) return result;
  const wanted = isNumber(requested) ? Math.min(requested, maximumAvailable) : currentlyAvailable + 1;
  const shortfall = Math.max(1, wanted - currentlyAvailable);
  return { ...result, pauseUntil: now + Math.ceil((shortfall * 1000) / restoreRate) };
}

/**
 * A 429 that speaks for the whole connection. Stripe's `lock_timeout` is a 429 about one object
 * being busy, so it must not pause calls about other objects.
 */
export function isRateLimitRefusal(status: number, body: unknown): boolean {
  if (status !== 429) return false;
  return field(field(body, 'error'), 'code') !== 'lock_timeout';
}

function parseCombinedRateLimit(value: string | undefined): { limit?: number; remaining?: number; reset?: number } | undefined {
  if (value === undefined) return undefined;
  const parameters = new Map<string, number>();
  for (const match of value.matchAll(/(?:^|[;,])\s*([a-z]+)\s*=\s*(\d+(?:\.\d+)?)/g)) {
    const name = match[1] as string;
    if (!parameters.has(name)) parameters.set(name, Number(match[2]));
  }
  const remaining = parameters.get('remaining') ?? parameters.get('r');
  if (remaining === undefined) return undefined;
  const result: { limit?: number; remaining?: number; reset?: number } = { remaining };
  const limit = parameters.get('limit');
  const reset = parameters.get('reset') ?? parameters.get('t');
  if (limit !== undefined) result.limit = limit;
  if (reset !== undefined) result.reset = reset;
  return result;
}

/** The first number of a possibly listed value (`RateLimit-Limit: 10, 10;w=1, 50;w=60`). */
function firstNumber(value: string | undefined): number | undefined {
  return parseNumber(value?.split(',')[0]?.split(';')[0]);
}

function parseNumber(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return lower;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
