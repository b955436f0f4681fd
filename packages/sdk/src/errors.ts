/**
 * Errors say what the engine should do next: it branches on the class, `code` and `reason`,
 * never on message text. Retryable errors are retried under the flow's retry policy; permanent
 * ones become an exception in the console with `reason` as its class and `message` as its
 * sentence, so messages are written for the operator, not for the connector author.
 */

/** The exception reason classes the console shows (the same words as the engine's). */
export type ErrorReason =
  | 'auth'
  | 'validation'
  | 'mapping'
  | 'not-found'
  | 'conflict'
  | 'rate-limited'
  | 'destination-down'
  | 'timeout'
  | 'bug';

export interface ConnectorErrorOptions {
  message?: string;
  status?: number;
  details?: unknown;
  cause?: unknown;
}

// Codes are part of the public contract (docs/reference/errors.md), so a typo must fail loudly.
const CODE_PATTERN = /^ERR_[A-Z0-9]+(?:_[A-Z0-9]+)+$/;

// instanceof fails when a connector bundles its own copy of the SDK; a registered symbol does not.
const BRAND = Symbol.for('weft.connector-error');

export class ConnectorError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly reason: ErrorReason;
  readonly status?: number;
  readonly details?: unknown;

  constructor(code: string, options: ConnectorErrorOptions & { reason: ErrorReason; retryable: boolean }) {
    if (!CODE_PATTERN.test(code)) {
      throw new TypeError(`error code "${code}" must look like ERR_<AREA>_<WHAT> (upper case, digits, underscores)`);
    }
    super(options.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable;
    this.reason = options.reason;
    if (options.status !== undefined) this.status = options.status;
    if (options.details !== undefined) this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isConnectorError(value: unknown): value is ConnectorError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The same request may succeed later: the destination is down, slow, or briefly refusing. */
export class RetryableError extends ConnectorError {
  constructor(
    code = 'ERR_CONNECTOR_RETRYABLE',
    options: ConnectorErrorOptions & { reason?: 'destination-down' | 'timeout' | 'rate-limited' } = {},
  ) {
    super(code, {
      message: 'The destination is not accepting requests right now.',
      ...options,
      reason: options.reason ?? 'destination-down',
      retryable: true,
    });
  }
}

/** Retry-After is a floor for the next attempt, not a hint: retrying sooner only earns another 429. */
export class RateLimitedError extends RetryableError {
  readonly retryAfterMs?: number;

  constructor(code = 'ERR_CONNECTOR_RATE_LIMITED', options: ConnectorErrorOptions & { retryAfterMs?: number } = {}) {
    const { retryAfterMs, ...rest } = options;
    super(code, { message: 'The destination is rate-limiting us.', ...rest, reason: 'rate-limited' });
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** Sending the same request again cannot succeed; a human (or a changed input) must step in. */
export class PermanentError extends ConnectorError {
  constructor(code = 'ERR_CONNECTOR_PERMANENT', options: ConnectorErrorOptions & { reason?: ErrorReason } = {}) {
    super(code, {
      message: 'The destination refused the request.',
      ...options,
      reason: options.reason ?? 'bug',
      retryable: false,
    });
  }
}

export class AuthError extends PermanentError {
  constructor(code = 'ERR_CONNECTOR_AUTH', options: ConnectorErrorOptions = {}) {
    super(code, { message: 'The destination refused our credentials.', ...options, reason: 'auth' });
  }
}

export class NotFoundError extends PermanentError {
  constructor(code = 'ERR_CONNECTOR_NOT_FOUND', options: ConnectorErrorOptions = {}) {
    super(code, { message: 'The record does not exist at the destination.', ...options, reason: 'not-found' });
  }
}

export class ConflictError extends PermanentError {
  constructor(code = 'ERR_CONNECTOR_CONFLICT', options: ConnectorErrorOptions = {}) {
    super(code, { message: 'The record changed or already exists at the destination.', ...options, reason: 'conflict' });
  }
}

export class ValidationError extends PermanentError {
  constructor(code = 'ERR_CONNECTOR_VALIDATION', options: ConnectorErrorOptions = {}) {
    super(code, { message: 'The destination rejected the data we sent.', ...options, reason: 'validation' });
  }
}

export interface FailedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** The vendor's own words, when the connector knows where its API puts them. */
  vendorMessage?: string;
  /** Epoch ms; needed to turn an HTTP-date Retry-After into a delay. */
  now: number;
}

/**
 * Maps an HTTP outcome to the error class the engine acts on. Statuses the brief's table leaves
 * open follow the engine's reading (407 auth, 412 conflict, 413/415 validation, 504 timeout) so
 * an action that uses this and a raw `call` step classify the same response the same way.
 * A vendor that overloads a status (GitHub's 403 for its secondary rate limit) says so in the
 * action's `errors` hook, which the engine consults first.
 */
export function errorFromResponse(response: FailedResponse): ConnectorError {
  const { status } = response;
  const words = response.vendorMessage ?? vendorMessageFrom(response.body);
  const message = (sentence: string): string =>
    words === undefined ? `${sentence} (HTTP ${status})` : `${sentence}: ${words} (HTTP ${status})`;
  // The vendor's words ride along, so the engine can write its own sentence around them.
  const options = { status, ...(words === undefined ? {} : { details: { vendorMessage: words } }) };

  switch (status) {
    case 401:
    case 403:
    case 407:
      return new AuthError(undefined, { ...options, message: message('The destination refused our credentials') });
    case 404:
    case 410:
      return new NotFoundError(undefined, { ...options, message: message('The record does not exist at the destination') });
    case 409:
    case 412:
      return new ConflictError(undefined, { ...options, message: message('The record changed or already exists at the destination') });
    case 400:
    case 413:
    case 415:
    case 422:
      return new ValidationError(undefined, { ...options, message: message('The destination rejected the data we sent') });
    case 429: {
      const retryAfterMs = parseRetryAfter(headerValue(response.headers, 'retry-after'), response.now);
      return new RateLimitedError(undefined, {
        ...options,
        message: message('The destination is rate-limiting us'),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    case 408:
    case 504:
      return new RetryableError(undefined, { ...options, reason: 'timeout', message: message('The destination timed out') });
    case 425:
      return new RetryableError(undefined, { ...options, message: message('The destination is not accepting requests right now') });
  }
  if (status >= 500 && status < 600) {
    return new RetryableError(undefined, { ...options, message: message('The destination is failing') });
  }
  return new PermanentError(undefined, { ...options, message: message('The destination gave an unexpected answer') });
}

const HTTP_DATE_FORMS = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/, // IMF-fixdate
  /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/, // obsolete RFC 850
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/, // obsolete asctime, implicitly GMT
];

/**
 * The longest wait a Retry-After is taken at. No vendor means years; honouring such a value would
 * hold a destination past every retry window (or past the dates JavaScript can represent).
 */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * Retry-After (RFC 9110 §10.2.3) as milliseconds to wait: delta-seconds or an HTTP-date in any of
 * the three forms recipients must accept. Date.parse alone would accept "2026" or a local time.
 * A date in the past means "now", which is 0, not "no advice"; a wait over a day counts as a day.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const form = HTTP_DATE_FORMS.findIndex((pattern) => pattern.test(text));
  if (form < 0) return undefined;
  const at = Date.parse(form === 2 ? `${text} GMT` : text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

const VENDOR_MESSAGE_MAX_CHARS = 200;

/** The vendor's sentence from the common error body shapes; HTML error pages carry none. */
function vendorMessageFrom(body: unknown): string | undefined {
  const found = typeof body === 'string' ? (body.trim().startsWith('<') ? undefined : body) : messageIn(body);
  if (found === undefined) return undefined;
  const oneLine = found.replace(/\s+/g, ' ').trim().replace(/[.\s]+$/, '');
  if (oneLine === '') return undefined;
  return oneLine.length <= VENDOR_MESSAGE_MAX_CHARS ? oneLine : `${oneLine.slice(0, VENDOR_MESSAGE_MAX_CHARS - 1).trimEnd()}…`;
}

function messageIn(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const parts = value.map((item) => (typeof item === 'string' ? item : messageIn(item))).filter(isText);
    return parts.length === 0 ? undefined : parts.join('; ');
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { message, error, error_description: description, errors, detail, title } = value as Record<string, unknown>;
  if (isText(message)) return message;
  if (isText(description)) return description;
  if (isText(error)) return error;
  if (typeof error === 'object' && error !== null) return messageIn(error);
  if (isText(errors)) return errors;
  if (Array.isArray(errors)) return messageIn(errors);
  if (isText(detail)) return detail;
  if (isText(title)) return title;
  return undefined;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
