import type { Reason } from '../core/exception.ts';

export type ResponseClass = 'ok' | 'retryable' | 'permanent';

/**
 * 2xx ok; 408, 425, 429 and 5xx retryable (the same request may succeed later); everything else
 * permanent. A flow's `responses` overrides win: an exact status ("409") beats a pattern ("40x"),
 * and a pattern with fewer wildcards beats a broader one ("40x" beats "4xx").
 */
export function classifyStatus(status: number, overrides?: Record<string, ResponseClass>): ResponseClass {
  const override = overrides === undefined ? undefined : findOverride(status, overrides);
  if (override !== undefined) return override;
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 425 || status === 429 || (status >= 500 && status < 600)) return 'retryable';
  return 'permanent';
}

function findOverride(status: number, overrides: Record<string, ResponseClass>): ResponseClass | undefined {
  const code = String(status);
  const exact = overrides[code];
  if (exact !== undefined) return exact;
  let best: { wildcards: number; value: ResponseClass } | undefined;
  for (const [pattern, value] of Object.entries(overrides)) {
    if (pattern.length !== 3 || ![...pattern].every((char, i) => char === 'x' || char === code[i])) continue;
    const wildcards = pattern.split('x').length - 1;
    if (best === undefined || wildcards < best.wildcards) best = { wildcards, value };
  }
  return best?.value;
}

/**
 * The exception reason a status stands for, when the run ends on it.
 *
 * | status                  | reason           | why                                                   |
 * |-------------------------|------------------|-------------------------------------------------------|
 * | 401, 403, 407           | auth             | credentials missing, expired or lacking a scope        |
 * | 400, 413, 415, 422      | validation       | the destination refused the data we sent               |
 * | 404, 410                | not-found        | the record we addressed does not exist (any more)      |
 * | 409, 412                | conflict         | the record changed or already exists                   |
 * | 429                     | rate-limited     | we were told to slow down                              |
 * | 408, 504                | timeout          | the request took too long, at either end               |
 * | other 5xx, 425          | destination-down | the destination is failing, not our request            |
 * | anything else           | bug              | 1xx/3xx/other 4xx (405, 406…) mean the flow is wrong   |
 */
export function reasonForStatus(status: number): Reason {
  switch (status) {
    case 401:
    case 403:
    case 407:
      return 'auth';
    case 400:
    case 413:
    case 415:
    case 422:
      return 'validation';
    case 404:
    case 410:
      return 'not-found';
    case 409:
    case 412:
      return 'conflict';
    case 429:
      return 'rate-limited';
    case 408:
    case 504:
      return 'timeout';
    case 425:
      return 'destination-down';
  }
  return status >= 500 && status < 600 ? 'destination-down' : 'bug';
}

const MESSAGE_MAX_CHARS = 200;

/** Node's network error codes, in words an operator reads. */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host',
};

/**
 * The one sentence an operator reads in the exception queue, e.g.
 * "The ERP rejected order 5000123: SKU 'ABC-9' does not exist (HTTP 422)."
 * `destination` is used as written ("the ERP", "Shopify", "erp.example.com"); a leading "the" is
 * capitalised at the start of the sentence. `subject` names the business object ("order 5000123").
 */
export function describeFailure(opts: {
  destination: string;
  subject?: string;
  status?: number;
  responseBody?: string;
  networkError?: string;
  timedOut?: boolean;
  timeoutMs?: number;
}): string {
  const name = opts.destination;
  const Name = name.startsWith('the ') ? 'T' + name.slice(1) : name;
  if (opts.timedOut) {
    return opts.timeoutMs === undefined ? `${Name} did not answer in time.` : `${Name} did not answer within ${formatSeconds(opts.timeoutMs)}.`;
  }
  if (opts.status === undefined) {
    const cause = opts.networkError === undefined ? undefined : (NETWORK_ERRORS[opts.networkError.trim()] ?? cap(opts.networkError));
    return cause === undefined || cause === '' ? `Could not reach ${name}.` : `Could not reach ${name}: ${stripStop(cause)}.`;
  }

  const status = opts.status;
  const http = `HTTP ${status}`;
  const message = opts.responseBody === undefined ? undefined : extractMessage(opts.responseBody);
  const detail = message === undefined ? '' : `: ${message}`;
  const what = opts.subject ?? 'the request';
  if (status === 429) return `${Name} is rate-limiting us (${http}).`;
  if (status >= 500 && status < 600) return `${Name} is failing (${http})${detail}.`;
  if (status === 408) return `${Name} gave up waiting for ${what} (${http})${detail}.`;
  if (status === 401 || status === 403 || status === 407) return `${Name} refused our credentials for ${what}${detail} (${http}).`;
  if (status >= 400 && status < 500) return `${Name} rejected ${what}${detail} (${http}).`;
  return `${Name} gave an unexpected answer to ${what}${detail} (${http}).`;
}

/** A time span as an operator reads it: whole seconds as seconds ("30 s"), anything else in milliseconds. */
export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * The vendor's own words from the common error shapes; a short text body as-is. HTML error pages
 * carry no useful sentence, so they give nothing.
 */
export function extractMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === '' || text.startsWith('<')) return undefined;
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return cap(text);
    }
    const found = messageFromJson(parsed);
    return found === undefined ? undefined : cap(found);
  }
  return cap(text);
}

function messageFromJson(value: unknown): string | undefined {
  if (Array.isArray(value)) return joinMessages(value);
  if (!isRecord(value)) return undefined;
  const { error, message, errors, detail, title, error_description: description } = value;
  if (isRecord(error)) {
    const nested = messageFromJson(error);
    if (nested !== undefined) return nested;
  }
  if (nonEmpty(message)) return message;
  if (nonEmpty(description)) return nonEmpty(error) ? `${error}: ${description}` : description;
  if (nonEmpty(error)) return error;
  if (Array.isArray(errors)) {
    const joined = joinMessages(errors);
    if (joined !== undefined) return joined;
  }
  if (nonEmpty(errors)) return errors;
  // Rails-style validation errors, as Shopify sends them: {"errors": {"title": ["can't be blank"]}}.
  if (isRecord(errors)) {
    const parts = Object.entries(errors).flatMap(([field, problems]) =>
      (Array.isArray(problems) ? problems : [problems]).filter(nonEmpty).map((problem) => `${field} ${problem}`),
    );
    if (parts.length > 0) return parts.join('; ');
  }
  if (nonEmpty(detail)) return detail;
  if (nonEmpty(title)) return title;
  return undefined;
}

function joinMessages(items: unknown[]): string | undefined {
  const messages = items.map((item) => (nonEmpty(item) ? item : messageFromJson(item))).filter(nonEmpty);
  return messages.length === 0 ? undefined : messages.join('; ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function cap(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MESSAGE_MAX_CHARS ? stripStop(oneLine) : oneLine.slice(0, MESSAGE_MAX_CHARS - 1).trimEnd() + '…';
}

// The sentence supplies its own full stop.
function stripStop(text: string): string {
  return text.replace(/[.\s]+$/, '');
}
