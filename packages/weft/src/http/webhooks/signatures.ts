import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signature schemes as the vendors publish them (shared/specs/README.md §2). Every check
 * runs over the raw body bytes: re-serialised JSON rarely matches what the sender signed.
 */
export interface SignatureConfig {
  scheme: 'hmac-sha256' | 'standard-webhooks' | 'shopify' | 'stripe' | 'slack' | 'github' | 'twilio' | 'header-token';
  /** Already resolved: the secret itself, not a `${env:...}` reference. */
  secret: string;
  header?: string;
  encoding?: 'hex' | 'base64';
  prefix?: string;
  signedPayload?: 'body' | 'timestamp.body';
  timestampHeader?: string;
  toleranceSeconds?: number;
}

/** `problem` is safe to send back to the caller: it never names the secret or the expected signature. */
export type VerifyResult = { ok: true } | { ok: false; problem: string };

export interface WebhookRequest {
  rawBody: Buffer;
  /** Lower-case names, as node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The full public URL the sender called, query included (webhookUrl()); only `twilio` signs it. */
  url?: string | undefined;
}

const DEFAULT_TOLERANCE_SECONDS = 300;
const DEFAULT_GENERIC_HEADER = 'x-signature';
const STANDARD_WEBHOOKS_SECRET_PREFIX = 'whsec_';
const DEFAULT_TOKEN_HEADER = 'x-api-key';

export function verifyWebhookSignature(config: SignatureConfig, request: WebhookRequest, nowMs: number): VerifyResult {
  const read = (name: string): string | undefined => readHeader(request.headers, name);
  switch (config.scheme) {
    case 'hmac-sha256':
      return verifyGeneric(config, request.rawBody, read, nowMs);
    case 'shopify':
      return verifySingle({
        header: 'x-shopify-hmac-sha256',
        value: read('x-shopify-hmac-sha256'),
        prefix: '',
        encoding: 'base64',
        expected: hmac(config.secret, [request.rawBody]),
      });
    case 'github':
      return verifySingle({
        header: 'x-hub-signature-256',
        value: read('x-hub-signature-256'),
        prefix: 'sha256=',
        encoding: 'hex',
        expected: hmac(config.secret, [request.rawBody]),
      });
    case 'slack': {
      const timestamp = read('x-slack-request-timestamp');
      if (timestamp === undefined) return missing('x-slack-request-timestamp');
      const result = verifySingle({
        header: 'x-slack-signature',
        value: read('x-slack-signature'),
        prefix: 'v0=',
        encoding: 'hex',
        expected: hmac(config.secret, [`v0:${timestamp}:`, request.rawBody]),
      });
      return result.ok ? checkTimestamp(timestamp, 'x-slack-request-timestamp', config, nowMs) : result;
    }
    case 'stripe':
      return verifyStripe(config, request.rawBody, read('stripe-signature'), nowMs);
    case 'standard-webhooks':
      return verifyStandardWebhooks(config, request.rawBody, read, nowMs);
    case 'twilio':
      return verifyTwilio(config, request, read('x-twilio-signature'));
    case 'header-token': {
      // Not a signature: the vendor sends the shared token itself (Shiprocket's x-api-key). Weaker
      // than a MAC (it proves who sent, not what), so flows should re-read what they act on.
      const header = (config.header ?? DEFAULT_TOKEN_HEADER).toLowerCase();
      const value = read(header);
      if (value === undefined) return missing(header);
      return safeEqualText(value, config.secret) ? { ok: true } : { ok: false, problem: `${header} does not match` };
    }
  }
}

/**
 * The header that carries the secret itself rather than a signature derived from it (the
 * `header-token` scheme's): it must not be stored with the event.
 */
export function secretHeaderOf(config: SignatureConfig): string | undefined {
  return config.scheme === 'header-token' ? (config.header ?? DEFAULT_TOKEN_HEADER).toLowerCase() : undefined;
}

/**
 * The headers a sender would attach (lower-case names). Used by the demo shop, tests and the bench.
 * `url` is the URL the sender calls, which only `twilio` signs (and requires).
 */
export function signWebhook(config: SignatureConfig, rawBody: Buffer, nowMs: number, id?: string, url?: string): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  switch (config.scheme) {
    case 'hmac-sha256': {
      const header = (config.header ?? DEFAULT_GENERIC_HEADER).toLowerCase();
      const digest = (parts: (string | Buffer)[]): string =>
        (config.prefix ?? '') + hmac(config.secret, parts).toString(config.encoding ?? 'hex');
      if (config.signedPayload !== 'timestamp.body') return { [header]: digest([rawBody]) };
      const timestampHeader = requireTimestampHeader(config);
      return { [header]: digest([`${timestamp}.`, rawBody]), [timestampHeader]: timestamp };
    }
    case 'shopify':
      return { 'x-shopify-hmac-sha256': hmac(config.secret, [rawBody]).toString('base64') };
    case 'github':
      return { 'x-hub-signature-256': 'sha256=' + hmac(config.secret, [rawBody]).toString('hex') };
    case 'slack':
      return {
        'x-slack-signature': 'v0=' + hmac(config.secret, [`v0:${timestamp}:`, rawBody]).toString('hex'),
        'x-slack-request-timestamp': timestamp,
      };
    case 'stripe':
      return { 'stripe-signature': `t=${timestamp},v1=` + hmac(config.secret, [`${timestamp}.`, rawBody]).toString('hex') };
    case 'standard-webhooks': {
      const key = standardWebhooksKey(config.secret);
      if (key === undefined) throw new Error('the Standard Webhooks secret is not base64 (optionally prefixed whsec_)');
      // Deterministic when no id is given, so signing stays a pure function of its inputs.
      const messageId = id ?? 'msg_' + createHash('sha256').update(timestamp).update(rawBody).digest('hex').slice(0, 24);
      return {
        'webhook-id': messageId,
        'webhook-timestamp': timestamp,
        'webhook-signature': 'v1,' + hmac(key, [`${messageId}.${timestamp}.`, rawBody]).toString('base64'),
      };
    }
    case 'twilio': {
      if (url === undefined) throw new Error('twilio signatures cover the URL the sender calls; pass url');
      // Which rule applies depends on the body, as it does for Twilio: a form is signed by its
      // parameters; anything else needs bodySHA256 in the URL, which the caller adds.
      const params = new URL(url).searchParams.has('bodySHA256') ? [] : twilioFormParams(rawBody);
      return { 'x-twilio-signature': twilioSignature(config.secret, url, params).toString('base64') };
    }
    case 'header-token':
      return { [(config.header ?? DEFAULT_TOKEN_HEADER).toLowerCase()]: config.secret };
  }
}

/** Constant time over the digests, so neither the token's length nor its prefix leaks through timing. */
function safeEqualText(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Twilio (shared/specs/README.md §2): base64(HMAC-SHA1(auth token, URL + every POST parameter
 * sorted by name, appended as name+value)). A JSON body is not in the MAC; instead its hex
 * SHA-256 rides in the URL's `bodySHA256` query parameter, which the MAC covers. Twilio has no
 * timestamp, so there is no replay window to check. Twilio's own validators try the URL with and
 * without an explicit default port (:443/:80), since proxies differ in what they pass on; so do we.
 */
function verifyTwilio(config: SignatureConfig, request: WebhookRequest, value: string | undefined): VerifyResult {
  if (value === undefined) return missing('x-twilio-signature');
  if (request.url === undefined) return { ok: false, problem: 'webhook signature is misconfigured: the twilio scheme needs the URL that was called' };
  const given = decodeSignature(value, 'base64');
  if (given === undefined) return { ok: false, problem: 'header x-twilio-signature is not a base64 signature' };
  let bodyHash: string | null;
  try {
    bodyHash = new URL(request.url).searchParams.get('bodySHA256');
  } catch {
    return { ok: false, problem: 'the URL that was called cannot be parsed' };
  }
  const contentType = readHeader(request.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  const params = bodyHash === null && contentType === 'application/x-www-form-urlencoded' ? twilioFormParams(request.rawBody) : [];
  const candidates = urlVariants(request.url).map((variant) => twilioSignature(config.secret, variant, params));
  if (!candidates.some((expected) => matchesAny(expected, [given]))) return NO_MATCH;
  if (bodyHash === null) return { ok: true };
  const actual = createHash('sha256').update(request.rawBody).digest('hex');
  return matchesAny(Buffer.from(actual), [Buffer.from(bodyHash.toLowerCase())]) ? { ok: true } : { ok: false, problem: 'bodySHA256 does not match the body' };
}

function twilioSignature(secret: string, url: string, params: [string, string][]): Buffer {
  const mac = createHmac('sha1', secret).update(url, 'utf8');
  for (const [name, value] of params) mac.update(name + value, 'utf8');
  return mac.digest();
}

// Sorted by name with JavaScript's code-unit order (Twilio's "Unix-style case-sensitive" order
// for the ASCII names it uses); repeated names (MediaUrl) by value, as Twilio's libraries do.
function twilioFormParams(rawBody: Buffer): [string, string][] {
  return [...new URLSearchParams(rawBody.toString('utf8'))].sort(([nameA, valueA], [nameB, valueB]) =>
    nameA !== nameB ? (nameA < nameB ? -1 : 1) : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
}

// Kept as text rather than rebuilt with URL, which would re-encode the query Twilio signed.
function urlVariants(original: string): string[] {
  const match = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(original);
  if (match === null) return [original];
  const [, scheme = '', authority = '', rest = ''] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const port = /:(\d+)$/.exec(authority)?.[1];
  if (port === undefined) return [original, `${scheme}://${authority}:${defaultPort}${rest}`];
  if (port === defaultPort) return [original, `${scheme}://${authority.slice(0, -(port.length + 1))}${rest}`];
  return [original];
}

function verifyGeneric(
  config: SignatureConfig,
  rawBody: Buffer,
  read: (name: string) => string | undefined,
  nowMs: number,
): VerifyResult {
  const header = (config.header ?? DEFAULT_GENERIC_HEADER).toLowerCase();
  const single = { header, value: read(header), prefix: config.prefix ?? '', encoding: config.encoding ?? 'hex' } as const;
  if (config.signedPayload !== 'timestamp.body') return verifySingle({ ...single, expected: hmac(config.secret, [rawBody]) });

  if (config.timestampHeader === undefined) return { ok: false, problem: 'webhook signature is misconfigured: timestamp.body needs timestampHeader' };
  const timestampHeader = config.timestampHeader.toLowerCase();
  const timestamp = read(timestampHeader);
  if (timestamp === undefined) return missing(timestampHeader);
  const result = verifySingle({ ...single, expected: hmac(config.secret, [`${timestamp}.`, rawBody]) });
  return result.ok ? checkTimestamp(timestamp, timestampHeader, config, nowMs) : result;
}

function verifySingle(opts: {
  header: string;
  value: string | undefined;
  prefix: string;
  encoding: 'hex' | 'base64';
  expected: Buffer;
}): VerifyResult {
  if (opts.value === undefined) return missing(opts.header);
  if (!opts.value.startsWith(opts.prefix)) return { ok: false, problem: `header ${opts.header} does not start with "${opts.prefix}"` };
  const given = decodeSignature(opts.value.slice(opts.prefix.length), opts.encoding);
  if (given === undefined) return { ok: false, problem: `header ${opts.header} is not a ${opts.encoding} signature` };
  return matchesAny(opts.expected, [given]) ? { ok: true } : NO_MATCH;
}

function verifyStripe(config: SignatureConfig, rawBody: Buffer, value: string | undefined, nowMs: number): VerifyResult {
  if (value === undefined) return missing('stripe-signature');
  let timestamp: string | undefined;
  const candidates: Buffer[] = [];
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1).trim();
    if (key === 't') timestamp = text;
    // v0 and unknown versions are ignored, as Stripe's own libraries do.
    if (key === 'v1') {
      const decoded = decodeSignature(text, 'hex');
      if (decoded !== undefined) candidates.push(decoded);
    }
  }
  if (timestamp === undefined || candidates.length === 0) {
    return { ok: false, problem: 'header stripe-signature has no t= timestamp or no v1= signature' };
  }
  if (!matchesAny(hmac(config.secret, [`${timestamp}.`, rawBody]), candidates)) return NO_MATCH;
  return checkTimestamp(timestamp, 'stripe-signature', config, nowMs);
}

function verifyStandardWebhooks(
  config: SignatureConfig,
  rawBody: Buffer,
  read: (name: string) => string | undefined,
  nowMs: number,
): VerifyResult {
  const id = read('webhook-id');
  const timestamp = read('webhook-timestamp');
  const signatures = read('webhook-signature');
  if (id === undefined) return missing('webhook-id');
  if (timestamp === undefined) return missing('webhook-timestamp');
  if (signatures === undefined) return missing('webhook-signature');
  const key = standardWebhooksKey(config.secret);
  if (key === undefined) return { ok: false, problem: 'webhook signature is misconfigured: the secret is not base64' };

  const candidates: Buffer[] = [];
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    // v1a (ed25519) and other versions are skipped: we only hold a symmetric secret.
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const decoded = decodeSignature(entry.slice(comma + 1), 'base64');
    if (decoded !== undefined) candidates.push(decoded);
  }
  if (candidates.length === 0) return { ok: false, problem: 'header webhook-signature has no v1 signature' };
  if (!matchesAny(hmac(key, [`${id}.${timestamp}.`, rawBody]), candidates)) return NO_MATCH;
  return checkTimestamp(timestamp, 'webhook-timestamp', config, nowMs);
}

const NO_MATCH: VerifyResult = { ok: false, problem: 'signature does not match' };

function missing(header: string): VerifyResult {
  return { ok: false, problem: `missing header ${header}` };
}

// Checked after the signature, so an unsigned caller learns nothing about our clock or tolerance.
function checkTimestamp(value: string, header: string, config: SignatureConfig, nowMs: number): VerifyResult {
  if (!/^[0-9]{1,12}$/.test(value)) return { ok: false, problem: `header ${header} does not carry a unix timestamp` };
  const toleranceSeconds = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  // Whole seconds, as the timestamp is (and as the vendors' own libraries compare): in
  // milliseconds a timestamp exactly 300 s old would fail by the current second's fraction.
  if (Math.abs(Math.floor(nowMs / 1000) - Number(value)) > toleranceSeconds) {
    return { ok: false, problem: `timestamp outside the ${toleranceSeconds} s tolerance` };
  }
  return { ok: true };
}

function hmac(key: string | Buffer, parts: (string | Buffer)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

// Compares every candidate in constant time; a candidate of the wrong length cannot match and is
// rejected without reaching timingSafeEqual, which throws on unequal lengths.
function matchesAny(expected: Buffer, candidates: Buffer[]): boolean {
  let matched = false;
  for (const candidate of candidates) {
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched;
}

// Buffer.from silently skips bad characters, so the text is validated first.
function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const pattern = encoding === 'hex' ? /^(?:[0-9a-fA-F]{2})+$/ : /^[A-Za-z0-9+/]+={0,2}$/;
  return pattern.test(text) ? Buffer.from(text, encoding) : undefined;
}

function standardWebhooksKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX) ? secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length) : secret;
  const key = decodeSignature(encoded, 'base64');
  return key !== undefined && key.length > 0 ? key : undefined;
}

function requireTimestampHeader(config: SignatureConfig): string {
  if (config.timestampHeader === undefined) throw new Error('signedPayload "timestamp.body" needs timestampHeader');
  return config.timestampHeader.toLowerCase();
}

// Node joins repeated headers into one string except for a few (set-cookie); an array still
// gets its first value so a doubled header cannot smuggle in a second signature.
function readHeader(headers: WebhookRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
