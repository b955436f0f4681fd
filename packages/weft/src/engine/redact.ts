/** What the audit log keeps of requests and responses: no credential, and bounded size (guarantee 7). */

export const REDACTED = '[REDACTED]';

/** Headers redacted by name. */
export const DEFAULT_REDACTED_HEADERS: string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

/**
 * Any header whose name contains one of these is redacted too. "hmac" catches
 * x-shopify-hmac-sha256; "key" alone is left out so idempotency-key stays readable in the audit.
 */
export const REDACTED_HEADER_FRAGMENTS: string[] = ['secret', 'token', 'signature', 'password', 'api-key', 'apikey', 'hmac'];

const DEFAULT_REDACTED_HEADER_SET = new Set(DEFAULT_REDACTED_HEADERS);

export function redactHeaders(headers: Record<string, string | string[] | undefined>, extra: string[] = []): Record<string, string> {
  // Every audited call passes here twice; most name no extra header.
  const named = extra.length === 0 ? DEFAULT_REDACTED_HEADER_SET : new Set([...DEFAULT_REDACTED_HEADERS, ...extra.map((name) => name.toLowerCase())]);
  const redacted: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const isSecret = named.has(name) || REDACTED_HEADER_FRAGMENTS.some((fragment) => name.includes(fragment));
    redacted[name] = isSecret ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return redacted;
}

/**
 * Replaces the values of the named keys (case-insensitive, at any depth) of a JSON body. A body
 * that is not JSON, or has none of the keys, comes back byte for byte.
 */
export function redactBody(body: string, fields: string[]): string {
  if (fields.length === 0) return body;
  // Every audited body passes here; most name none of the fields, and a substring test is
  // far cheaper than parsing. A key in JSON is quoted, so a quoted name must appear.
  const lowered = body.toLowerCase();
  if (!fields.some((field) => lowered.includes(`"${field.toLowerCase()}"`))) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  const names = new Set(fields.map((field) => field.toLowerCase()));
  let changed = false;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== 'object' || value === null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (names.has(key.toLowerCase())) {
        copy[key] = REDACTED;
        changed = true;
      } else {
        copy[key] = walk(inner);
      }
    }
    return copy;
  };
  const redacted = walk(parsed);
  return changed ? JSON.stringify(redacted) : body;
}

/** Keeps at most `maxBytes` of UTF-8, never splitting a character, and says how much was cut. */
export function capBody(body: string | null, maxBytes: number): string | null {
  if (body === null) return null;
  // Counting bytes allocates nothing; only a body over the cap is copied to be cut.
  if (Buffer.byteLength(body, 'utf8') <= maxBytes) return body;
  const bytes = Buffer.from(body, 'utf8');
  let end = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) to the start of the character that straddles the cut.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + `…[truncated ${bytes.length - end} bytes]`;
}
