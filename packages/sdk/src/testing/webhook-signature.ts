import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookSignature } from '../define-trigger.ts';

/**
 * Checks a delivery against a trigger's declared signature scheme, written from the vendors'
 * published rules. It is the contract suite's oracle, deliberately separate from the engine's
 * verifier and from each sandbox's signer, so a sandbox that signs wrongly cannot pass by
 * sharing a bug with the code that checks it.
 */
export function verifyWebhookSignature(options: {
  signature: WebhookSignature;
  secret: string;
  rawBody: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  nowMs: number;
  /** The full URL the sender called, query included; only the `twilio` scheme signs it. */
  url?: string;
}): { ok: true } | { ok: false; problem: string } {
  const { signature, secret, rawBody, headers, nowMs, url } = options;
  const toleranceSeconds = signature.toleranceSeconds ?? 300;
  const fresh = (timestamp: string | undefined): boolean =>
    timestamp !== undefined && /^\d+$/.test(timestamp) && Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSeconds;
  const check = (given: readonly string[], expected: string, timestamp?: string) => {
    if (!given.some((value) => safeEqual(value, expected))) return { ok: false as const, problem: 'signature does not match' };
    if (timestamp !== undefined && !fresh(timestamp)) return { ok: false as const, problem: 'timestamp outside the tolerance' };
    return { ok: true as const };
  };
  const mac = (key: string | Buffer, payload: string, encoding: 'hex' | 'base64') => createHmac('sha256', key).update(payload).digest(encoding);

  switch (signature.scheme) {
    case 'stripe': {
      const parts = (headers['stripe-signature'] ?? '').split(',').map((part) => part.split('=', 2) as [string, string?]);
      const timestamp = parts.find(([key]) => key === 't')?.[1];
      const v1 = parts.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
      if (timestamp === undefined) return { ok: false, problem: 'stripe-signature has no t=' };
      return check(v1, mac(secret, `${timestamp}.${rawBody}`, 'hex'), timestamp);
    }
    case 'github':
      return check([headers['x-hub-signature-256'] ?? ''], 'sha256=' + mac(secret, rawBody, 'hex'));
    case 'shopify':
      return check([headers['x-shopify-hmac-sha256'] ?? ''], mac(secret, rawBody, 'base64'));
    case 'slack': {
      const timestamp = headers['x-slack-request-timestamp'];
      return check([headers['x-slack-signature'] ?? ''], 'v0=' + mac(secret, `v0:${timestamp}:${rawBody}`, 'hex'), timestamp ?? '');
    }
    case 'standard-webhooks': {
      const id = headers['webhook-id'];
      const timestamp = headers['webhook-timestamp'];
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      const given = (headers['webhook-signature'] ?? '').split(' ').filter((entry) => entry.startsWith('v1,')).map((entry) => entry.slice(3));
      return check(given, mac(key, `${id}.${timestamp}.${rawBody}`, 'base64'), timestamp ?? '');
    }
    case 'twilio': {
      // Twilio's rule: base64(HMAC-SHA1(auth token, URL + each POST parameter sorted by name as
      // name+value)); a JSON body is instead covered by bodySHA256 (hex SHA-256) in the URL.
      if (url === undefined) return { ok: false, problem: 'the twilio scheme needs the URL the sender called' };
      const isForm = (headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
      const params = isForm ? [...new URLSearchParams(rawBody)].sort(byNameThenValue) : [];
      const expected = createHmac('sha1', secret).update(url + params.map(([name, value]) => name + value).join('')).digest('base64');
      const matched = check([headers['x-twilio-signature'] ?? ''], expected);
      if (!matched.ok || isForm) return matched;
      const bodyHash = new URL(url).searchParams.get('bodySHA256') ?? '';
      return safeEqual(bodyHash, createHash('sha256').update(rawBody).digest('hex')) ? matched : { ok: false, problem: 'bodySHA256 does not match the body' };
    }
    case 'header-token':
      return check([headers[(signature.header ?? 'x-api-key').toLowerCase()] ?? ''], secret);
    case 'hmac-sha256': {
      const header = (signature.header ?? 'x-signature').toLowerCase();
      const timestamp = signature.timestampHeader === undefined ? undefined : headers[signature.timestampHeader.toLowerCase()];
      const payload = signature.signedPayload === 'timestamp.body' ? `${timestamp}.${rawBody}` : rawBody;
      const expected = (signature.prefix ?? '') + mac(secret, payload, signature.encoding ?? 'hex');
      return check([headers[header] ?? ''], expected, signature.signedPayload === 'timestamp.body' ? (timestamp ?? '') : undefined);
    }
  }
}

// Twilio's libraries sort repeated parameters (MediaUrl) by value too.
function byNameThenValue([nameA, valueA]: [string, string], [nameB, valueB]: [string, string]): number {
  if (nameA !== nameB) return nameA < nameB ? -1 : 1;
  return valueA < valueB ? -1 : valueA > valueB ? 1 : 0;
}

function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
