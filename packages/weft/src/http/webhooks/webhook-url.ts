/**
 * The full URL a webhook sender called, for signature schemes that sign it (Twilio signs the URL
 * it was configured with, query included). Weft has no setting for its public base URL (config.ts
 * has no publicUrl), so the URL is rebuilt from the request: the Host header, and the path and
 * query exactly as received. Behind a TLS-terminating proxy the socket is plain HTTP while the
 * sender called https, so X-Forwarded-Proto and X-Forwarded-Host win when present. Trusting
 * these headers is safe for this purpose: they only choose which URL the MAC is checked against,
 * and producing a valid MAC for any URL still needs the secret.
 */
export function webhookUrl(request: {
  protocol: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}): string | undefined {
  const scheme = firstValue(request.headers['x-forwarded-proto']) ?? request.protocol;
  const host = firstValue(request.headers['x-forwarded-host']) ?? firstValue(request.headers.host);
  if (host === undefined || !/^https?$/i.test(scheme)) return undefined;
  return `${scheme.toLowerCase()}://${host}${request.url}`;
}

// A proxy chain appends to these headers; the first entry is what the original sender used.
function firstValue(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  return text === undefined || text === '' ? undefined : text;
}
