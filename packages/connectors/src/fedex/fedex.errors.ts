import { errorFromResponse, type ConnectorError, type HttpResponse } from '@weft/sdk';

interface FedexErrorBody {
  errors?: { code?: unknown; message?: unknown }[];
}

/**
 * FedEx's error body is `{ transactionId, errors: [{ code, message }] }`. The class still comes
 * from the status (errorFromResponse); the codes ride in the vendor message, because the code
 * (NOT.AUTHORIZED.ERROR, INVALID.INPUT.EXCEPTION, …) is what FedEx support and its docs index by.
 */
export function fedexErrors(response: HttpResponse): ConnectorError | undefined {
  if (response.status >= 200 && response.status < 300) return undefined;
  const vendorMessage = describeFedexErrors(response.body);
  return errorFromResponse({ ...response, now: Date.now(), ...(vendorMessage === undefined ? {} : { vendorMessage }) });
}

/** "CODE: message; CODE: message", or undefined for a body that is not FedEx's error shape. */
export function describeFedexErrors(body: unknown): string | undefined {
  const errors = typeof body === 'object' && body !== null ? (body as FedexErrorBody).errors : undefined;
  if (!Array.isArray(errors)) return undefined;
  const parts = errors
    .map(({ code, message }) => [code, message].filter((part): part is string => typeof part === 'string' && part.trim() !== '').join(': '))
    .filter((part) => part !== '');
  return parts.length === 0 ? undefined : parts.join('; ');
}
