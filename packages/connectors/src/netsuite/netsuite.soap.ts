import {
  AuthError,
  ConflictError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  buildEnvelope,
  parseEnvelope,
  soapError,
  soapHeaders,
  type ConnectorError,
  type DeclarativeRequest,
  type HttpResponse,
  type SoapFault,
  type XmlElement,
} from '@weft/sdk';
import { CODES, NS, SERVICE_PATH, type Operation } from './netsuite.fixtures.ts';

/**
 * The SOAP side of every NetSuite action: one envelope per operation (document/literal, SOAP
 * 1.1, the tokenPassport added by the engine's auth), and one reading of what comes back:
 * faults and `status isSuccess="false"` both become the SDK's error classes.
 */

/** Elements the XSD declares maxOccurs="unbounded": read as arrays even when one came back. */
export const LIST_ELEMENTS = ['statusDetail', 'record', 'item', 'package', 'locations', 'searchValue'] as const;

/** A reference to a record by NetSuite's internalId or by the caller's externalId. */
export interface RecordRefInput {
  internalId?: string | undefined;
  externalId?: string | undefined;
}

export function soapRequest(operation: Operation, body: XmlElement, header?: XmlElement): DeclarativeRequest {
  return {
    method: 'POST',
    path: SERVICE_PATH,
    headers: soapHeaders('1.1', operation),
    bodyEncoding: 'raw',
    body: buildEnvelope({
      version: '1.1',
      namespaces: {
        xsi: NS.xsi,
        platformMsgs: NS.platformMsgs,
        platformCore: NS.platformCore,
        platformCommon: NS.platformCommon,
        listRel: NS.listRel,
        listAcct: NS.listAcct,
        tranSales: NS.tranSales,
      },
      ...(header === undefined ? {} : { header }),
      body: { [`platformMsgs:${operation}`]: body },
    }),
  };
}

export function recordRefAttributes(ref: RecordRefInput): XmlElement {
  return {
    ...(ref.internalId === undefined ? {} : { '@_internalId': ref.internalId }),
    ...(ref.externalId === undefined ? {} : { '@_externalId': ref.externalId }),
  };
}

/** `get` takes an abstract BaseRef, so the concrete type goes in xsi:type. */
export function getRequest(type: 'salesOrder' | 'itemFulfillment', ref: RecordRefInput): DeclarativeRequest {
  return soapRequest('get', { 'platformMsgs:baseRef': { '@_xsi:type': 'platformCore:RecordRef', '@_type': type, ...recordRefAttributes(ref) } });
}

/** The Body's children by local name. */
export function responseBody(text: string): Record<string, unknown> {
  return parseEnvelope(text, { arrays: LIST_ELEMENTS }).body;
}

/** The errors hook every NetSuite action uses. */
export function netsuiteErrors(response: HttpResponse): ConnectorError | undefined {
  const fault = soapError(response, { classifyFault: classifyNetsuiteFault, arrays: LIST_ELEMENTS });
  if (fault !== undefined || response.status < 200 || response.status >= 300) return fault;
  const status = findStatus(responseBody(response.text));
  return status === undefined || status['@_isSuccess'] !== 'false' ? undefined : statusError(status, response.status);
}

/**
 * NetSuite answers most faults as `Server.userException`, which alone would read as "retry";
 * the detail element and its code say what really happened.
 */
export function classifyNetsuiteFault(fault: SoapFault, status: number | undefined): ConnectorError | undefined {
  const detail = (typeof fault.detail === 'object' && fault.detail !== null ? fault.detail : {}) as Record<string, unknown>;
  const [kind, entry] = Object.entries(detail).find(([name]) => name.endsWith('Fault')) ?? [];
  const code = typeof entry === 'object' && entry !== null ? String((entry as { code?: unknown }).code ?? '') : '';
  const said = `NetSuite: ${fault.message.trim()}${code === '' ? '' : ` (${code})`}`;
  const options = { ...(status === undefined ? {} : { status }), message: said, details: { fault: kind, code } };
  if (kind === 'invalidCredentialsFault' || kind === 'invalidSessionFault' || kind === 'invalidAccountFault' || code === CODES.invalidLogin) {
    return new AuthError('ERR_NETSUITE_LOGIN', options);
  }
  if (kind === 'insufficientPermissionFault') return new AuthError('ERR_NETSUITE_PERMISSION', options);
  if (kind === 'exceededConcurrentRequestLimitFault' || code === CODES.concurrency) {
    // A slot frees as soon as one of our own requests ends: a short wait is enough.
    return new RateLimitedError('ERR_NETSUITE_CONCURRENCY', { ...options, retryAfterMs: 1000 });
  }
  if (kind === 'exceededRequestLimitFault' || kind === 'exceededUsageLimitFault' || code === CODES.requestBlocked) {
    return new RateLimitedError('ERR_NETSUITE_REQUEST_LIMIT', { ...options, retryAfterMs: 60_000 });
  }
  if (kind === 'unexpectedErrorFault') return new RetryableError('ERR_NETSUITE_UNEXPECTED', options);
  return undefined;
}

interface StatusDetail {
  code?: string;
  message?: string;
}

interface Status {
  '@_isSuccess'?: string;
  statusDetail?: StatusDetail[];
}

function statusError(status: Status, httpStatus: number): ConnectorError {
  const detail = status.statusDetail?.[0] ?? {};
  const code = detail.code ?? 'UNKNOWN';
  const vendorMessage = (detail.message ?? '').trim();
  const field = /Invalid (\w+) reference key/i.exec(vendorMessage)?.[1];
  const options = {
    status: httpStatus,
    message: `NetSuite: ${vendorMessage === '' ? 'the request was not accepted' : vendorMessage} (${code})`,
    details: { code, ...(field === undefined ? {} : { field }) },
  };
  switch (code) {
    case CODES.recordMissing:
      return new NotFoundError('ERR_NETSUITE_NOT_FOUND', options);
    case CODES.duplicateEntity:
    case CODES.duplicateRecord:
      return new ConflictError('ERR_NETSUITE_DUPLICATE', options);
    case CODES.unexpected:
      return new RetryableError('ERR_NETSUITE_UNEXPECTED', options);
    case CODES.invalidKeyOrRef:
      return new ValidationError('ERR_NETSUITE_INVALID_REFERENCE', options);
    default:
      return new ValidationError('ERR_NETSUITE_REJECTED', options);
  }
}

/** The one status of a write, read or search response, wherever the operation put it. */
function findStatus(body: Record<string, unknown>): Status | undefined {
  const response = Object.values(body)[0] as Record<string, unknown> | undefined;
  const result = (response?.writeResponse ?? response?.readResponse ?? response?.searchResult ?? response?.getServerTimeResult) as { status?: Status } | undefined;
  return result?.status;
}

/** `<x internalId="…" externalId="…"><name>…</name></x>` as `{ internalId, externalId?, name? }`. */
export function readRef(value: unknown): { internalId: string; externalId?: string; name?: string } | undefined {
  // A line's `item` reference shares its name with the line element, so LIST_ELEMENTS makes it a list of one.
  if (Array.isArray(value)) return readRef(value[0]);
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = value as Record<string, unknown>;
  if (typeof ref['@_internalId'] !== 'string') return undefined;
  return {
    internalId: ref['@_internalId'],
    ...(typeof ref['@_externalId'] === 'string' ? { externalId: ref['@_externalId'] } : {}),
    ...(typeof ref.name === 'string' ? { name: ref.name } : {}),
  };
}

export function readNumber(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** `{ key: value }`, or nothing when value is undefined: outputs leave absent fields out rather than undefined. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function readText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The record of a successful `get`. */
export function readRecord(text: string): Record<string, unknown> {
  const body = responseBody(text) as { getResponse?: { readResponse?: { record?: Record<string, unknown>[] } } };
  const record = body.getResponse?.readResponse?.record?.[0];
  if (record === undefined) throw new RetryableError('ERR_NETSUITE_EMPTY_READ', { message: 'NetSuite answered the get with success but no record.' });
  return record;
}

/** The baseRef of a successful add or upsert. */
export function readWrite(text: string): { internalId: string; externalId?: string } {
  const body = responseBody(text);
  const response = Object.values(body)[0] as { writeResponse?: { baseRef?: unknown } } | undefined;
  const ref = readRef(response?.writeResponse?.baseRef);
  if (ref === undefined) throw new RetryableError('ERR_NETSUITE_EMPTY_WRITE', { message: 'NetSuite answered the write with success but no record reference.' });
  return { internalId: ref.internalId, ...(ref.externalId === undefined ? {} : { externalId: ref.externalId }) };
}
