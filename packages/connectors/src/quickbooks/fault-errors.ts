import {
  AuthError,
  ConflictError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  parseRetryAfter,
  type ConnectorError,
  type HttpResponse,
} from '@weft/sdk';
import { FAULT_CODES } from './quickbooks.fixtures.ts';

/**
 * QuickBooks reports every failure as a Fault (IntuitRestServiceDef.xsd): a `type`
 * (ValidationFault, AuthenticationFault, SystemFault, …) and a list of Errors with a numeric
 * `code`. The status alone cannot tell a duplicate name (a conflict) from a missing field (bad
 * data) or a deleted record (not found): all three are 400. The code can.
 */

export interface QuickBooksFault {
  type?: string;
  errors: { message?: string; detail?: string; code?: string; element?: string }[];
}

const MAX_WORDS = 300;

/** The action `errors` hook every QuickBooks action uses. Undefined leaves the answer to errorFromResponse. */
export function quickbooksError(response: HttpResponse): ConnectorError | undefined {
  const { status } = response;
  if (status < 400) return undefined;
  const fault = faultOf(response.body);
  if (fault === undefined) return undefined;
  const first = fault.errors[0];
  const code = first?.code?.replace(/^0+/, '');
  // An authentication fault's Detail can quote the token it refused: keep only the Message.
  const isAuth = status === 401 || status === 403;
  const words = describe(fault, { withDetail: !isAuth });
  const options = {
    status,
    message: `QuickBooks: ${words} (HTTP ${status})`,
    details: { vendorMessage: words, faultType: fault.type, code, ...(first?.element ? { element: first.element } : {}) },
  };

  if (status === 401) return new AuthError('ERR_QUICKBOOKS_AUTH_FAILED', options);
  if (status === 403) return new AuthError('ERR_QUICKBOOKS_FORBIDDEN', options);
  if (status === 429 || code === FAULT_CODES.throttleExceeded) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    return new RateLimitedError('ERR_QUICKBOOKS_THROTTLED', { ...options, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (status >= 500) {
    return new RetryableError('ERR_QUICKBOOKS_UNAVAILABLE', { ...options, ...(status === 504 ? { reason: 'timeout' as const } : {}) });
  }
  switch (code) {
    case FAULT_CODES.duplicateName:
      return new ConflictError('ERR_QUICKBOOKS_DUPLICATE_NAME', options);
    case FAULT_CODES.duplicateDocNumber:
      return new ConflictError('ERR_QUICKBOOKS_DUPLICATE_DOC_NUMBER', options);
    case FAULT_CODES.staleObject:
      return new ConflictError('ERR_QUICKBOOKS_STALE_OBJECT', options);
    case FAULT_CODES.objectNotFound:
      return new NotFoundError('ERR_QUICKBOOKS_NOT_FOUND', options);
    case FAULT_CODES.queryParserError:
    case FAULT_CODES.queryValidationError:
      return new ValidationError('ERR_QUICKBOOKS_QUERY_INVALID', options);
    case FAULT_CODES.invalidReference:
      return new ValidationError('ERR_QUICKBOOKS_INVALID_REFERENCE', options);
  }
  if (status === 404) return new NotFoundError('ERR_QUICKBOOKS_NOT_FOUND', options);
  if (status === 400) return new ValidationError('ERR_QUICKBOOKS_VALIDATION', options);
  return undefined;
}

/**
 * Reads `{ Fault: { Error: [{ Message, Detail, code, element }], type } }`, and the lower-case
 * `{ fault: { error: [{ message, detail, code }] } }` Intuit's gateway sends with some 401s.
 */
export function faultOf(body: unknown): QuickBooksFault | undefined {
  if (!isRecord(body)) return undefined;
  const fault = body.Fault ?? body.fault;
  if (!isRecord(fault)) return undefined;
  const list = fault.Error ?? fault.error;
  const errors = (Array.isArray(list) ? list : []).filter(isRecord).map((error) => ({
    ...text('message', error.Message ?? error.message),
    ...text('detail', error.Detail ?? error.detail),
    ...text('code', error.code ?? error.Code),
    ...text('element', error.element ?? error.Element),
  }));
  return { ...text('type', fault.type), errors };
}

/** "Duplicate Name Exists Error: The name supplied already exists…", one line, capped. */
function describe(fault: QuickBooksFault, { withDetail }: { withDetail: boolean }): string {
  const parts = fault.errors.map((error) => {
    // Auth and throttle Messages are "message=ThrottleExceeded; errorCode=003001; statusCode=429".
    const message = error.message?.match(/^message=([^;]+);/)?.[1] ?? error.message;
    const detail = withDetail && error.detail !== undefined && error.detail !== message ? error.detail : undefined;
    const sentence = [message, detail].filter((part) => part !== undefined && part.trim() !== '').join(': ');
    return error.code === undefined ? sentence : `${sentence} [code ${error.code}]`;
  });
  const joined = parts.filter((part) => part !== '').join('; ').replace(/\s+/g, ' ').trim() || (fault.type ?? 'unknown fault');
  return joined.length <= MAX_WORDS ? joined : `${joined.slice(0, MAX_WORDS - 1).trimEnd()}…`;
}

function text<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
