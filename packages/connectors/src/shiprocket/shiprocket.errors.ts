import { errorFromResponse, type ConnectorError, type HttpResponse } from '@weft/sdk';

/**
 * Shiprocket's 422 says only "Oops! Invalid Data."; what is wrong is in `errors`, one list of
 * Laravel messages per field. The standard mapping would show the first sentence alone, so the
 * field messages ride along as the vendor's words. Other failures keep the standard mapping.
 */
export function shiprocketErrors(response: HttpResponse): ConnectorError | undefined {
  if (response.status !== 422) return undefined;
  const body = response.body as { message?: unknown; errors?: unknown } | null;
  const fields = typeof body?.errors === 'object' && body.errors !== null ? Object.entries(body.errors as Record<string, unknown>) : [];
  if (fields.length === 0) return undefined;
  const details = fields.map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(' ') : String(messages)}`).join('; ');
  const summary = typeof body?.message === 'string' ? `${body.message} ` : '';
  // Retry-After does not apply to a 422, so the clock reading is never used.
  return errorFromResponse({ ...response, vendorMessage: `${summary}${details}`, now: Date.now() });
}
