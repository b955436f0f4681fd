import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signWebhook, verifyWebhookSignature, type SignatureConfig } from './signatures.ts';
import { webhookUrl } from './webhook-url.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Fixed vectors, computed once with node:crypto from the rule in shared/specs/README.md §2 and
 * written down here. The form vector is the example Twilio's security docs walk through
 * (auth token 12345), so it also checks that we read the rule the way Twilio does.
 */
const FORM_VECTOR = {
  authToken: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  // Deliberately not in name order: the verifier must sort.
  body: 'To=%2B18005551212&Digits=1234&Caller=%2B12349013030&From=%2B12349013030&CallSid=CA1234567890ABCDE',
  signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
} as const;

const JSON_VECTOR = {
  authToken: '12345',
  body: '{"MessageSid":"SM1","MessageStatus":"delivered"}',
  url: 'https://weft.example.com/hooks/twilio-status?bodySHA256=ce8c3c8da52a17f7dd3e526b3b67d41402b438513f6b2faf55189573f2873f02',
  signature: '8lm6H2oPdC2BhMZbIlc6W4BVUA8=',
} as const;

const twilio = (secret: string): SignatureConfig => ({ scheme: 'twilio', secret });

function verify(secret: string, body: string, headers: Record<string, string | undefined>, url: string | undefined) {
  return verifyWebhookSignature(twilio(secret), { rawBody: Buffer.from(body), headers, url }, NOW);
}

describe('twilio signatures', () => {
  it('matches the fixed form vector, signing and verifying', () => {
    const { authToken, url, body, signature } = FORM_VECTOR;
    assert.deepEqual(signWebhook(twilio(authToken), Buffer.from(body), NOW, undefined, url), { 'x-twilio-signature': signature });
    assert.deepEqual(verify(authToken, body, { ...FORM, 'x-twilio-signature': signature }, url), { ok: true });
  });

  it('matches the fixed JSON vector, where bodySHA256 in the URL stands for the body', () => {
    const { authToken, url, body, signature } = JSON_VECTOR;
    assert.deepEqual(signWebhook(twilio(authToken), Buffer.from(body), NOW, undefined, url), { 'x-twilio-signature': signature });
    const headers = { 'content-type': 'application/json', 'x-twilio-signature': signature };
    assert.deepEqual(verify(authToken, body, headers, url), { ok: true });
    assert.deepEqual(verify(authToken, body.replace('delivered', 'failed'), headers, url), { ok: false, problem: 'bodySHA256 does not match the body' });
  });

  it('rejects a changed parameter, a changed URL and another auth token', () => {
    const { authToken, url, body, signature } = FORM_VECTOR;
    const headers = { ...FORM, 'x-twilio-signature': signature };
    const mismatch = { ok: false, problem: 'signature does not match' };
    assert.deepEqual(verify(authToken, body.replace('Digits=1234', 'Digits=1235'), headers, url), mismatch);
    assert.deepEqual(verify(authToken, body, headers, url.replace('foo=1', 'foo=2')), mismatch);
    assert.deepEqual(verify(authToken, body, headers, url.replace('https:', 'http:')), mismatch);
    assert.deepEqual(verify('54321', body, headers, url), mismatch);
  });

  it('accepts the URL with or without the default port, as Twilio\'s own validators do', () => {
    const { authToken, url, body, signature } = FORM_VECTOR;
    const headers = { ...FORM, 'x-twilio-signature': signature };
    assert.deepEqual(verify(authToken, body, headers, url.replace('mycompany.com', 'mycompany.com:443')), { ok: true });
    assert.deepEqual(verify(authToken, body, headers, url.replace('mycompany.com', 'mycompany.com:8443')).ok, false);
  });

  it('refuses without the header, without the URL, or with text that is not base64', () => {
    const { authToken, url, body, signature } = FORM_VECTOR;
    assert.deepEqual(verify(authToken, body, FORM, url), { ok: false, problem: 'missing header x-twilio-signature' });
    assert.deepEqual(verify(authToken, body, { ...FORM, 'x-twilio-signature': signature }, undefined), {
      ok: false,
      problem: 'webhook signature is misconfigured: the twilio scheme needs the URL that was called',
    });
    assert.deepEqual(verify(authToken, body, { ...FORM, 'x-twilio-signature': '***' }, url), {
      ok: false,
      problem: 'header x-twilio-signature is not a base64 signature',
    });
  });

  it('never names the secret or the expected signature in a problem', () => {
    const { url, body } = FORM_VECTOR;
    const secret = 'twilio-auth-token-that-must-stay-secret';
    const expected = signWebhook(twilio(secret), Buffer.from(body), NOW, undefined, url)['x-twilio-signature']!;
    const result = verify(secret, body, { ...FORM, 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, url);
    assert.equal(result.ok, false);
    assert.ok(!JSON.stringify(result).includes(secret) && !JSON.stringify(result).includes(expected));
  });

  it('needs the URL to sign', () => {
    assert.throws(() => signWebhook(twilio('x'), Buffer.from(''), NOW), /pass url/);
  });
});

describe('webhookUrl', () => {
  it('rebuilds the URL from Host and the path and query as received', () => {
    const url = webhookUrl({ protocol: 'http', url: '/hooks/sms?x=%2B1', headers: { host: 'weft.example.com:3000' } });
    assert.equal(url, 'http://weft.example.com:3000/hooks/sms?x=%2B1');
  });

  it('takes the scheme and host a TLS-terminating proxy forwards (its first hop)', () => {
    const url = webhookUrl({
      protocol: 'http',
      url: '/hooks/sms',
      headers: { host: '10.0.0.5:3000', 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'weft.example.com' },
    });
    assert.equal(url, 'https://weft.example.com/hooks/sms');
  });

  it('gives no URL without a host', () => {
    assert.equal(webhookUrl({ protocol: 'http', url: '/hooks/sms', headers: {} }), undefined);
  });
});
