import type { SandboxContext, SandboxRequest, SandboxResponse, SandboxRoute } from '@weft/sdk/testing';
import { ERROR_MESSAGES, LIST_LIMIT, STRIPE_API_VERSION, type StripeErrorType } from './stripe.fixtures.ts';
import type { StripeEvent, StripeState } from './sandbox-state.ts';

/** What the Stripe sandbox's resource modules share: Stripe's error answers, form parameter checks, lists, events. */

export type StripeRoute = SandboxRoute<StripeState>;
export type Params = Record<string, unknown>;
type Metadata = Record<string, string>;

export const seconds = (context: SandboxContext<StripeState>): number => Math.floor(context.now() / 1000);

export interface StripeErrorFields {
  code?: string;
  param?: string;
  decline_code?: string;
  charge?: string;
  doc_url?: string;
  payment_intent?: unknown;
}

export function stripeError(status: number, type: StripeErrorType, message: string, extra: StripeErrorFields = {}): SandboxResponse {
  return { status, body: { error: { type, message, ...extra } } };
}

export function invalid(message: string, extra: StripeErrorFields = {}): SandboxResponse {
  return stripeError(400, 'invalid_request_error', message, extra);
}

/** A missing object in the path is a 404; one named in a parameter is a 400 on that parameter, as Stripe answers. */
export function noSuch(what: string, id: string, param: string, status = 404): SandboxResponse {
  return stripeError(status, 'invalid_request_error', ERROR_MESSAGES.noSuch(what, id), { code: 'resource_missing', param });
}

export function formParams(request: SandboxRequest): Params {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Params) : {};
}

export function unknownParameter(params: Params, known: readonly string[]): SandboxResponse | undefined {
  const unknown = Object.keys(params).find((name) => !known.includes(name));
  return unknown === undefined ? undefined : invalid(ERROR_MESSAGES.unknownParameter(unknown), { code: 'parameter_unknown', param: unknown });
}

export function missingParameter(params: Params, name: string): SandboxResponse | undefined {
  return params[name] === undefined || params[name] === '' ? invalid(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name }) : undefined;
}

export function tooLong(params: Params, limits: Record<string, number>): SandboxResponse | undefined {
  for (const [name, max] of Object.entries(limits)) {
    const value = params[name];
    if (typeof value === 'string' && value.length > max) {
      return invalid(`Invalid string: ${name} must be at most ${max} characters`, { code: 'string_length', param: name });
    }
  }
  return undefined;
}

export function badMetadata(params: Params): SandboxResponse | undefined {
  const { metadata } = params;
  // `metadata=` (empty) is how Stripe clears metadata; anything else must be key-value pairs.
  if (metadata === undefined || metadata === '') return undefined;
  const isPairs = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && Object.values(metadata).every((value) => typeof value === 'string');
  return isPairs ? undefined : invalid('Invalid metadata: must be key-value pairs', { param: 'metadata' });
}

export function metadataOf(params: Params): Metadata {
  return typeof params.metadata === 'object' && params.metadata !== null ? (params.metadata as Metadata) : {};
}

/** Stripe merges metadata on update: a key sent empty is removed, `metadata=` clears them all. */
export function mergedMetadata(current: Metadata, params: Params): Metadata {
  if (params.metadata === '') return {};
  const merged = { ...current };
  for (const [key, value] of Object.entries(metadataOf(params))) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * Form values arrive as strings: an integer parameter, or a 400 naming it (`param` when it is
 * nested, e.g. price_data[unit_amount]).
 */
export function integerParam(params: Params, name: string, options: { min?: number; param?: string } = {}): number | undefined | SandboxResponse {
  const value = params[name];
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || (options.min !== undefined && number < options.min)) {
    return invalid(options.min === 1 ? 'Invalid positive integer' : 'Invalid integer', { code: 'parameter_invalid_integer', param: options.param ?? name });
  }
  return number;
}

export function booleanParam(params: Params, name: string): boolean | undefined | SandboxResponse {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  return invalid(`Invalid boolean: ${String(value)}`, { code: 'parameter_invalid_boolean', param: name });
}

export function enumParam<T extends string>(params: Params, name: string, allowed: readonly T[]): T | undefined | SandboxResponse {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  return invalid(`Invalid ${name}: must be one of ${allowed.join(', ')}`, { param: name });
}

export function isResponse(value: unknown): value is SandboxResponse {
  return typeof value === 'object' && value !== null && 'body' in value && 'status' in value;
}

/**
 * One page of a Stripe list: newest first (records are kept oldest first), `limit` 1..100
 * (default 10), `starting_after` the last id of the previous page, `has_more` whether more follow.
 */
export function listPage<T extends { id: string }>(request: SandboxRequest, records: T[], what: string, url: string): SandboxResponse {
  const limit = request.query.limit === undefined ? LIST_LIMIT.default : Number(request.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT.max) {
    return invalid(`Invalid limit: must be an integer between 1 and ${LIST_LIMIT.max}`, { param: 'limit' });
  }
  let newestFirst = [...records].reverse();
  const after = request.query.starting_after;
  if (typeof after === 'string') {
    const index = newestFirst.findIndex((record) => record.id === after);
    if (index < 0) return invalid(ERROR_MESSAGES.noSuch(what, after), { code: 'resource_missing', param: 'starting_after' });
    newestFirst = newestFirst.slice(index + 1);
  }
  return { body: { object: 'list', data: newestFirst.slice(0, limit), has_more: newestFirst.length > limit, url } };
}

export function recordEvent(state: StripeState, type: string, object: unknown, created: number): StripeEvent {
  return state.events.insert({
    id: state.nextId('evt'),
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created,
    // A snapshot: later changes to the record must not rewrite an event already sent.
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * GET <path>: a Stripe list of one collection, filtered by the query parameters in `filters`, each
 * compared with the record's field of the same name (Stripe's `?customer=cus_…` style).
 */
export function listRoute<R extends { id: string }>(
  path: string,
  records: (state: StripeState) => { all(): R[] },
  object: string,
  filters: readonly (keyof R & string)[],
): SandboxRoute<StripeState> {
  return {
    method: 'GET',
    path,
    handle: (request, { state }) => {
      const matches = records(state)
        .all()
        .filter((record) => filters.every((field) => typeof request.query[field] !== 'string' || record[field] === request.query[field]));
      return listPage(request, matches, object, path);
    },
  };
}

/** GET <path>/:<param>: one record, or Stripe's resource_missing naming the parameter. */
export function retrieveRoute<R>(path: string, records: (state: StripeState) => { get(id: string): R | undefined }, object: string, param: string): SandboxRoute<StripeState> {
  return {
    method: 'GET',
    path: `${path}/:${param}`,
    handle: (request, { state }) => {
      const id = request.params[param] ?? '';
      const record = records(state).get(id);
      return record === undefined ? noSuch(object, id, param) : { body: record };
    },
  };
}

/**
 * POST <path> on one record (`/v1/invoices/:invoice/pay`): the record, or Stripe's
 * resource_missing; then the form, refused when it names a parameter the endpoint does not take.
 * `handle` gets both and the rest is the endpoint's own.
 */
export function postToRecord<R>(
  path: string,
  records: (state: StripeState) => { get(id: string): R | undefined },
  object: string,
  allowed: readonly string[],
  handle: (record: R, params: Params, context: SandboxContext<StripeState>, request: SandboxRequest) => SandboxResponse,
): SandboxRoute<StripeState> {
  const param = /:(\w+)/.exec(path)![1]!;
  return {
    method: 'POST',
    path,
    handle: (request, context) => {
      const id = request.params[param] ?? '';
      const record = records(context.state).get(id);
      if (record === undefined) return noSuch(object, id, param);
      const params = formParams(request);
      return unknownParameter(params, allowed) ?? handle(record, params, context, request);
    },
  };
}
