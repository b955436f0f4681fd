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

function hasCredentialFragment(lowerCaseName: string): boolean {
  return REDACTED_HEADER_FRAGMENTS.some((fragment) => lowerCaseName.includes(fragment));
}

export function redactHeaders(headers: Record<string, string | string[] | undefined>, extra: string[] = []): Record<string, string> {
  // Every audited call passes here twice; most name no extra header.
  const named = extra.length === 0 ? DEFAULT_REDACTED_HEADER_SET : new Set([...DEFAULT_REDACTED_HEADERS, ...extra.map((name) => name.toLowerCase())]);
  const redacted: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const isSecret = named.has(name) || hasCredentialFragment(name);
    redacted[name] = isSecret ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return redacted;
}

/**
 * Names that never hold a credential although they contain a fragment: OAuth's token_type
 * ("Bearer") names a kind of token, not one. Compared as normaliseName gives them.
 */
const READABLE_NAMES = new Set(['token-type']);

/** A body field or query parameter name as the header rule reads it: lower case, "_" as "-" (api_key as api-key). */
function normaliseName(name: string): string {
  return name.toLowerCase().replaceAll('_', '-');
}

/**
 * A body field or query parameter named like a credential header: one of DEFAULT_REDACTED_HEADERS
 * or holding one of REDACTED_HEADER_FRAGMENTS once normalised, so access_token, refresh_token,
 * client_secret, api_key and apiKey all are; token_type is not (READABLE_NAMES).
 */
function isNamedLikeCredential(name: string): boolean {
  const normalised = normaliseName(name);
  return !READABLE_NAMES.has(normalised) && (DEFAULT_REDACTED_HEADER_SET.has(normalised) || hasCredentialFragment(normalised));
}

type NamePredicate = (decodedName: string) => boolean;

/** One of the configured `redactFields`: whole name, any case. */
function configuredNameTest(fields: readonly string[]): NamePredicate {
  const configured = new Set(fields.map((field) => field.toLowerCase()));
  return (name) => configured.has(name.toLowerCase());
}

/** A credential is text: a number, boolean or null under a credential-like name (a token count, an expiry, a flag) is kept. */
function mayBeCredential(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}

const FORM_CONTENT_TYPE = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Redacts the credentials of a request or response body. JSON: the value of a key named in
 * `fields`, and a text, object or array value of a key named like a credential (see
 * isNamedLikeCredential), at any depth. A form-encoded body (by `contentType`): the value of each
 * field named either way, as query parameters are (see redactUrl). Anything else, or a body with
 * nothing to redact, comes back byte for byte.
 */
export function redactBody(body: string, fields: readonly string[], contentType?: string): string {
  if (contentType !== undefined && FORM_CONTENT_TYPE.test(contentType)) return redactQuery(body, secretQueryNameTest(fields));
  // Every audited body passes here, and most hold no such name: a substring test is far cheaper than parsing.
  if (!mayNameCredential(body, fields)) return body;
  const isConfigured = configuredNameTest(fields);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  let changed = false;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== 'object' || value === null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (isConfigured(key) || (isNamedLikeCredential(key) && mayBeCredential(inner))) {
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

/** False only when no key of `body` can be named like a credential or one of `fields`. */
function mayNameCredential(body: string, fields: readonly string[]): boolean {
  const normalised = normaliseName(body);
  return [...REDACTED_HEADER_FRAGMENTS, ...DEFAULT_REDACTED_HEADERS, ...fields.map(normaliseName)].some((name) => normalised.includes(name));
}

/**
 * Hides the credentials of a URL: the user and password of its userinfo, and the value of each
 * query parameter named like a credential (as body fields are, see secretQueryNameTest) or like one
 * of `redactFields`.
 * Everything else comes back byte for byte; a string that is not an absolute URL comes back unchanged.
 */
export function redactUrl(url: string, redactFields: readonly string[]): string {
  const parsed = parseUrl(url);
  const isSecretName = secretQueryNameTest(redactFields);
  // Every audited call passes here; most URLs hold no credential and need no rewriting.
  if (parsed === null || !holdsCredential(parsed, isSecretName)) return url;
  const redacted = redactUrlText(url, isSecretName);
  // The text split reads a well-formed URL as the URL parser (and so the HTTP client) does, but a
  // sloppy one (leading space, "https:\\host", a tab in a name) it may misread. The parser's own
  // serialization is always well-formed: redacting it leaks nothing, at the cost of that URL's bytes.
  const reparsed = parseUrl(redacted);
  return reparsed !== null && !holdsCredential(reparsed, isSecretName) ? redacted : redactUrlText(parsed.href, isSecretName);
}

/** A request's query parameters with those named like credentials (or like one of `redactFields`) hidden, as a URL's are. */
export function redactQueryParameters(query: Record<string, string>, redactFields: readonly string[]): Record<string, string> {
  const isSecretName = secretQueryNameTest(redactFields);
  return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, value !== '' && isSecretName(name) ? REDACTED : value]));
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * A query parameter or form field named like a credential or one of `fields`. A bracketed name
 * (card[cvc], metadata[api_key]: Stripe's forms) is tested whole and part by part, as JSON keys
 * are at any depth.
 */
function secretQueryNameTest(fields: readonly string[]): NamePredicate {
  const isConfigured = configuredNameTest(fields);
  return (decodedName) => nameParts(decodedName).some((name) => isConfigured(name) || isNamedLikeCredential(name));
}

function nameParts(name: string): string[] {
  const parts = name.split(/[[\]]+/).filter((part) => part !== '');
  return parts.length > 1 ? [name, ...parts] : [name];
}

/** How the URL parser reports a userinfo part written as REDACTED: it percent-encodes the brackets. */
const REDACTED_IN_USERINFO = encodeURIComponent(REDACTED);

function holdsCredential(url: URL, isSecretName: NamePredicate): boolean {
  const isHidden = (userinfoPart: string) => userinfoPart === '' || userinfoPart === REDACTED_IN_USERINFO;
  if (!isHidden(url.username) || !isHidden(url.password)) return true;
  for (const [name, value] of url.searchParams) {
    if (value !== '' && value !== REDACTED && isSecretName(name)) return true;
  }
  return false;
}

/**
 * Scheme, "//" and authority of a URL cut before its query. The authority ends at the path, which
 * http(s) also starts with a backslash.
 */
const SCHEME_AND_AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/\\]*)/;

function redactUrlText(url: string, isSecretName: NamePredicate): string {
  // The first "#" starts the fragment and the first "?" before it the query, whatever precedes them.
  const [beforeFragment, fragment] = splitAtFirst(url, '#');
  const [beforeQuery, query] = splitAtFirst(beforeFragment, '?');
  const head = beforeQuery.replace(SCHEME_AND_AUTHORITY, (_, schemeAndSlashes: string, authority: string) => schemeAndSlashes + redactUserinfo(authority));
  return head + (query === null ? '' : `?${redactQuery(query, isSecretName)}`) + (fragment === null ? '' : `#${fragment}`);
}

function splitAtFirst(text: string, separator: string): [string, string | null] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

/** A user alone can be the credential (an API key with an empty password), so both parts are hidden. */
function redactUserinfo(authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at === -1) return authority;
  const [user, password] = splitAtFirst(authority.slice(0, at), ':');
  const hide = (part: string) => (part === '' ? '' : REDACTED);
  return hide(user) + (password === null ? '' : `:${hide(password)}`) + authority.slice(at);
}

/** An empty value hides nothing, and a name without "=" has no value: both are kept as written. */
function redactQuery(query: string, isSecretName: NamePredicate): string {
  return query
    .split('&')
    .map((pair) => {
      const [name, value] = splitAtFirst(pair, '=');
      return value !== null && value !== '' && isSecretName(decodeFormComponent(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * A query name as the server reads it (application/x-www-form-urlencoded, as URLSearchParams):
 * "+" is a space, and a malformed "%" escape stays as written instead of failing.
 */
function decodeFormComponent(raw: string): string {
  return raw.replaceAll('+', ' ').replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => Buffer.from(escapes.replaceAll('%', ''), 'hex').toString('utf8'));
}

/** Credential values shorter than this are not scrubbed: replacing every "test" or "1234" would mangle the record, not protect it. */
export const MIN_SCRUBBED_LENGTH = 6;

/** Replaces known credential values wherever they appear in a record, whatever they are named. */
export interface CredentialScrubber {
  text(text: string): string;
  headers(headers: Record<string, string>): Record<string, string>;
  /** Keeps the scheme, the authority and the slash after them: the record shows where the call went, and still parses. */
  url(url: string): string;
}

/**
 * For credentials the audit knows by value rather than by name: a flow's `${secret:…}` sent under
 * a header or query parameter of any name. Each value is replaced in every form a record may hold
 * it in (encodedForms).
 */
export function credentialScrubber(values: readonly string[]): CredentialScrubber {
  const scrubbed = values.filter((value) => value.length >= MIN_SCRUBBED_LENGTH);
  // The longest first, so a value that holds another is replaced whole.
  const forms = [...new Set(scrubbed.flatMap(encodedForms))].sort((a, b) => b.length - a.length);
  const text = (text: string) => forms.reduce((result, form) => result.split(form).join(REDACTED), text);
  return {
    text,
    headers: (headers) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, text(value)])),
    url(url) {
      const kept = addressLength(url);
      return url.slice(0, kept) + text(url.slice(kept));
    },
  };
}

/**
 * As written (a header), escaped in JSON (a body), percent-encoded, form-encoded (a `query` value),
 * and written into a url's query as it is but read back and form-encoded again by the URL API,
 * which it does to the whole query once a `query` value is added ("a+b/c=" as "a+b%2Fc%3D").
 */
function encodedForms(value: string): string[] {
  const formEncoded = (text: string) => new URLSearchParams({ text }).toString().slice('text='.length);
  return [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), formEncoded(value), formEncoded(decodeFormComponent(value))];
}

/** Scheme, "//", authority and the slash that starts the path (which http(s) also writes as a backslash). */
const ADDRESS = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\\?#]*[/\\]?/;

/** How much of `url` is its address (ADDRESS); 0 for text that starts no URL. */
function addressLength(url: string): number {
  return ADDRESS.exec(url)?.[0].length ?? 0;
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
