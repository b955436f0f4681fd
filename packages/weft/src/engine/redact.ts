/** What the audit log keeps of requests and responses: no credential, and bounded size (guarantee 7). */

export const REDACTED = '[REDACTED]';

/**
 * The one rule for what is named like a credential, in a header, a JSON or form body field or a
 * query parameter: the audit log (call steps, connectors), the API's view of a run's webhook and
 * of a flow's definition, and `weft record` all ask isCredentialName and the predicates below, so
 * they cannot disagree on a name.
 */
const CREDENTIAL_NAME_LIST = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];
const CREDENTIAL_NAMES = new Set(CREDENTIAL_NAME_LIST);

/**
 * Any name containing one of these is a credential's too. "hmac" catches x-shopify-hmac-sha256;
 * "key" alone is left out so idempotency-key stays readable in the audit.
 */
const CREDENTIAL_NAME_FRAGMENTS = ['secret', 'token', 'signature', 'password', 'api-key', 'apikey', 'hmac'];

/**
 * Names that never hold a credential although they contain a fragment: OAuth's token_type
 * ("Bearer") names a kind of token, not one. Compared as normaliseName gives them.
 */
const READABLE_NAMES = new Set(['token-type']);

/**
 * A query parameter or form field named `key` alone is an API key: Google's, Trello's, Bing's
 * `?key=`. In JSON it is too often a record's own field (a Shopify metafield's key) to hide.
 */
const QUERY_CREDENTIAL_NAMES = new Set(['key']);

/** A name as the rule reads it: lower case, "_" as "-" (api_key as api-key). */
function normaliseName(name: string): string {
  return name.toLowerCase().replaceAll('_', '-');
}

/**
 * Named like a credential: one of CREDENTIAL_NAME_LIST or holding one of CREDENTIAL_NAME_FRAGMENTS
 * once normalised, so authorization, x-auth-token, access_token, client_secret, api_key and apiKey
 * all are; token_type is not (READABLE_NAMES).
 */
export function isCredentialName(name: string): boolean {
  const normalised = normaliseName(name);
  return !READABLE_NAMES.has(normalised) && (CREDENTIAL_NAMES.has(normalised) || CREDENTIAL_NAME_FRAGMENTS.some((fragment) => normalised.includes(fragment)));
}

/**
 * Payment card and bank account data, as sensitive as a credential (PCI DSS forbids keeping a
 * card's security code at all once a payment is authorised), redacted whatever `redactFields`
 * says. Two kinds of name, compared without case, "_", "-" or spaces:
 * - a security code or card number wherever it sits: cvc, cvv, cvc2, cvv2, card_number, card_code
 *   (Authorize.net's cardCode), card_cvc, card_cvv;
 * - a bare `number` under a card (card[number], payment_method_data[card][number], a JSON
 *   credit_card's number: the enclosing name ends in "card" or "cards"), and an `account_number`
 *   under a bank account (bank_account[account_number], us_bank_account, external_account: the
 *   enclosing name ends in "account" or "bank").
 * So order[number], phone_number, invoice_number, routing_number (a bank's public code), a card's
 * last4, brand, exp_month and cvc_check (Stripe's "pass") stay readable.
 */
const PAYMENT_SECRET_NAMES = new Set(['cvc', 'cvv', 'cvc2', 'cvv2', 'cardnumber', 'cardcode', 'cardcvc', 'cardcvv']);

function compactName(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/** `container` is the name of the object or bracket the field sits in, if any. */
function isPaymentSecretName(name: string, container: string | undefined): boolean {
  const compact = compactName(name);
  if (PAYMENT_SECRET_NAMES.has(compact)) return true;
  if (container === undefined) return false;
  const enclosing = compactName(container);
  if (compact === 'number') return enclosing.endsWith('card') || enclosing.endsWith('cards');
  return compact === 'accountnumber' && (enclosing.endsWith('account') || enclosing.endsWith('accounts') || enclosing.endsWith('bank'));
}

/**
 * Whether a JSON body (lower-cased, "_" as "-") can name payment data at all: a security code, or
 * a number or code next to a card, an account or a bank. Kept in step with isPaymentSecretName.
 */
function mayNamePaymentData(normalisedBody: string): boolean {
  if (normalisedBody.includes('cvc') || normalisedBody.includes('cvv')) return true;
  const hasContainer = normalisedBody.includes('card') || normalisedBody.includes('account') || normalisedBody.includes('bank');
  return hasContainer && (normalisedBody.includes('number') || normalisedBody.includes('code'));
}

export function redactHeaders(headers: Record<string, string | string[] | undefined>, extra: string[] = []): Record<string, string> {
  // Every audited call passes here twice; most name no extra header.
  const named = extra.length === 0 ? undefined : new Set(extra.map((name) => name.toLowerCase()));
  const redacted: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const isSecret = named?.has(name) === true || isCredentialName(name);
    redacted[name] = isSecret ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return redacted;
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

/** A card number or security code may be written as a JSON number too; null and a flag say nothing. */
function mayBePaymentData(value: unknown): boolean {
  return value !== null && typeof value !== 'boolean';
}

const FORM_CONTENT_TYPE = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Redacts the credentials of a request or response body. JSON: the value of a key named in
 * `fields`, a text, object or array value of a key named like a credential (isCredentialName),
 * and payment data (isPaymentSecretName, the enclosing key being the object's, or the array's
 * that holds it), at any depth. A form-encoded body (by `contentType`): the value of each field
 * named any of these ways, as query parameters are (see redactUrl). Anything else, or a body with
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
  const walk = (value: unknown, container: string | undefined): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, container));
    if (typeof value !== 'object' || value === null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (isConfigured(key) || (isCredentialName(key) && mayBeCredential(inner)) || (isPaymentSecretName(key, container) && mayBePaymentData(inner))) {
        copy[key] = REDACTED;
        changed = true;
      } else {
        copy[key] = walk(inner, key);
      }
    }
    return copy;
  };
  const redacted = walk(parsed, undefined);
  return changed ? JSON.stringify(redacted) : body;
}

/** False only when no key of `body` can be named like a credential, payment data or one of `fields`. */
function mayNameCredential(body: string, fields: readonly string[]): boolean {
  const normalised = normaliseName(body);
  const includes = (name: string) => normalised.includes(name);
  return CREDENTIAL_NAME_FRAGMENTS.some(includes) || CREDENTIAL_NAME_LIST.some(includes) || fields.some((field) => includes(normaliseName(field))) || mayNamePaymentData(normalised);
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
 * A query parameter or form field named like a credential or one of `fields`, `key` alone
 * (QUERY_CREDENTIAL_NAMES), or payment data. A bracketed name (Stripe's forms: card[cvc],
 * metadata[api_key]) is tested whole and part by part, as JSON keys are at any depth; for payment
 * data its last part is the field and the part before it, list indexes skipped, what encloses it
 * (payment_method_data[card][number], bank_accounts[0][account_number]).
 */
function secretQueryNameTest(fields: readonly string[]): NamePredicate {
  const isConfigured = configuredNameTest(fields);
  return (decodedName) => {
    if (QUERY_CREDENTIAL_NAMES.has(decodedName.toLowerCase())) return true;
    const parts = bracketParts(decodedName);
    if (parts.length < 2) return isConfigured(decodedName) || isCredentialName(decodedName) || isPaymentSecretName(decodedName, undefined);
    const field = parts[parts.length - 1]!;
    const container = parts.slice(0, -1).filter((part) => !LIST_INDEX.test(part)).pop();
    return [decodedName, ...parts].some((name) => isConfigured(name) || isCredentialName(name)) || isPaymentSecretName(field, container);
  };
}

/** An index in a bracketed name: bank_accounts[0][account_number]. */
const LIST_INDEX = /^\d+$/;

function bracketParts(name: string): string[] {
  return name.split(/[[\]]+/).filter((part) => part !== '');
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

/**
 * A call's address that is itself a credential (a Slack incoming webhook, whose path is the
 * secret: https://hooks.slack.com/services/T…/B…/…) as the audit keeps it: scheme and host (with
 * its port), and REDACTED for whatever follows (userinfo, path, query, fragment), so the record
 * still shows where the call went. Text that is no URL is hidden whole.
 */
export function maskUrlAfterHost(url: string): string {
  const parsed = parseUrl(url);
  if (parsed === null) return REDACTED;
  const followed = parsed.username !== '' || parsed.password !== '' || (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '';
  return `${parsed.protocol}//${parsed.host}/${followed ? REDACTED : ''}`;
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
