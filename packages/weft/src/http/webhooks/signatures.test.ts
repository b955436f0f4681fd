import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signWebhook, verifyWebhookSignature, type SignatureConfig } from './signatures.ts';
import { STANDARD_WEBHOOKS_VECTORS, type StandardWebhooksVector } from './standard-webhooks.vectors.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const BODY = Buffer.from('{"id":5000123,"note":"grüße"}');

const SCHEMES: { label: string; config: SignatureConfig; hasTimestamp: boolean }[] = [
  { label: 'hmac-sha256 (hex body)', config: { scheme: 'hmac-sha256', secret: 'generic-secret' }, hasTimestamp: false },
  {
    label: 'hmac-sha256 (base64, prefix, timestamp.body)',
    config: {
      scheme: 'hmac-sha256',
      secret: 'generic-secret',
      header: 'X-Erp-Signature',
      encoding: 'base64',
      prefix: 'sha256=',
      signedPayload: 'timestamp.body',
      timestampHeader: 'X-Erp-Timestamp',
    },
    hasTimestamp: true,
  },
  { label: 'shopify', config: { scheme: 'shopify', secret: 'shpss_secret' }, hasTimestamp: false },
  { label: 'stripe', config: { scheme: 'stripe', secret: 'whsec_stripe_secret' }, hasTimestamp: true },
  { label: 'slack', config: { scheme: 'slack', secret: 'slack-signing-secret' }, hasTimestamp: true },
  { label: 'github', config: { scheme: 'github', secret: 'gh-secret' }, hasTimestamp: false },
  {
    label: 'standard-webhooks',
    config: { scheme: 'standard-webhooks', secret: 'whsec_' + Buffer.from('standard-webhooks-key').toString('base64') },
    hasTimestamp: true,
  },
];

function verify(config: SignatureConfig, headers: Record<string, string | string[] | undefined>, body = BODY, nowMs = NOW) {
  return verifyWebhookSignature(config, { rawBody: body, headers }, nowMs);
}

for (const { label, config, hasTimestamp } of SCHEMES) {
  describe(`${label} signatures`, () => {
    it('accepts a correct signature', () => {
      assert.deepEqual(verify(config, signWebhook(config, BODY, NOW, 'msg_1')), { ok: true });
    });

    it('rejects a tampered body', () => {
      const headers = signWebhook(config, BODY, NOW, 'msg_1');
      const tampered = Buffer.from(BODY.toString().replace('5000123', '5000124'));
      assert.deepEqual(verify(config, headers, tampered), { ok: false, problem: 'signature does not match' });
    });

    it('rejects a signature made with another secret, without revealing either', () => {
      const wrong = { ...config, secret: config.scheme === 'standard-webhooks' ? 'whsec_' + Buffer.from('other').toString('base64') : 'other' };
      const result = verify(config, signWebhook(wrong, BODY, NOW, 'msg_1'));
      assert.deepEqual(result, { ok: false, problem: 'signature does not match' });
      const expected = Object.values(signWebhook(config, BODY, NOW, 'msg_1')).join(' ');
      for (const word of expected.split(/[ ,=]/).filter((w) => w.length > 16)) assert.ok(!JSON.stringify(result).includes(word));
    });

    it('rejects a request missing any of its headers', () => {
      const headers = signWebhook(config, BODY, NOW, 'msg_1');
      for (const name of Object.keys(headers)) {
        const result = verify(config, { ...headers, [name]: undefined });
        assert.deepEqual(result, { ok: false, problem: `missing header ${name}` });
      }
    });

    if (hasTimestamp) {
      for (const skewSeconds of [301, -301]) {
        it(`rejects a timestamp ${skewSeconds > 0 ? '+' : ''}${skewSeconds} s off`, () => {
          const headers = signWebhook(config, BODY, NOW + skewSeconds * 1000, 'msg_1');
          assert.deepEqual(verify(config, headers), { ok: false, problem: 'timestamp outside the 300 s tolerance' });
        });
      }
      for (const skewSeconds of [299, -299]) {
        it(`accepts a timestamp ${skewSeconds} s off`, () => {
          assert.deepEqual(verify(config, signWebhook(config, BODY, NOW + skewSeconds * 1000, 'msg_1')), { ok: true });
        });
      }
      it('accepts exactly 300 s either way, whatever the fraction of the current second', () => {
        for (const skewSeconds of [300, -300]) {
          const headers = signWebhook(config, BODY, NOW + skewSeconds * 1000, 'msg_1');
          for (const fractionMs of [0, 500, 999]) assert.deepEqual(verify(config, headers, BODY, NOW + fractionMs), { ok: true }, `${skewSeconds} s, +${fractionMs} ms`);
        }
      });
      it('honours toleranceSeconds', () => {
        const strict = { ...config, toleranceSeconds: 10 };
        const headers = signWebhook(strict, BODY, NOW - 11_000, 'msg_1');
        assert.deepEqual(verify(strict, headers), { ok: false, problem: 'timestamp outside the 10 s tolerance' });
      });
    }
  });
}

describe('signature edge cases', () => {
  const github: SignatureConfig = { scheme: 'github', secret: 'gh-secret' };

  it('rejects a signature of the wrong length without throwing', () => {
    assert.deepEqual(verify(github, { 'x-hub-signature-256': 'sha256=abcd' }), { ok: false, problem: 'signature does not match' });
  });

  it('rejects text that is not in the expected encoding', () => {
    assert.deepEqual(verify(github, { 'x-hub-signature-256': 'sha256=zz' }), {
      ok: false,
      problem: 'header x-hub-signature-256 is not a hex signature',
    });
    assert.deepEqual(verify(github, { 'x-hub-signature-256': 'abcd' }), {
      ok: false,
      problem: 'header x-hub-signature-256 does not start with "sha256="',
    });
  });

  it('reads the first value of a repeated header', () => {
    const good = signWebhook(github, BODY, NOW)['x-hub-signature-256']!;
    assert.deepEqual(verify(github, { 'x-hub-signature-256': [good, 'sha256=00'] }), { ok: true });
    assert.equal(verify(github, { 'x-hub-signature-256': ['sha256=00', good] }).ok, false);
  });

  it('accepts a Stripe header when any v1 signature matches', () => {
    const stripe: SignatureConfig = { scheme: 'stripe', secret: 'whsec_x' };
    const signed = signWebhook(stripe, BODY, NOW)['stripe-signature']!;
    const [t, v1] = signed.split(',');
    assert.deepEqual(verify(stripe, { 'stripe-signature': `${t},v1=${'0'.repeat(64)},${v1},v0=ab` }), { ok: true });
    assert.deepEqual(verify(stripe, { 'stripe-signature': `${t},v0=ab` }), {
      ok: false,
      problem: 'header stripe-signature has no t= timestamp or no v1= signature',
    });
  });

  it('rejects a non-numeric timestamp even when signed', () => {
    const slack: SignatureConfig = { scheme: 'slack', secret: 's' };
    const headers = signWebhook(slack, BODY, NOW);
    const forged = { 'x-slack-request-timestamp': 'soon' };
    const signature = signWebhook({ scheme: 'hmac-sha256', secret: 's', prefix: 'v0=' }, Buffer.concat([Buffer.from('v0:soon:'), BODY]), NOW);
    assert.deepEqual(verify(slack, { ...headers, ...forged, 'x-slack-signature': signature['x-signature'] }), {
      ok: false,
      problem: 'header x-slack-request-timestamp does not carry a unix timestamp',
    });
  });

  it('reports a generic timestamp.body config without timestampHeader', () => {
    const config: SignatureConfig = { scheme: 'hmac-sha256', secret: 's', signedPayload: 'timestamp.body' };
    assert.deepEqual(verify(config, { 'x-signature': 'ab' }), {
      ok: false,
      problem: 'webhook signature is misconfigured: timestamp.body needs timestampHeader',
    });
    assert.throws(() => signWebhook(config, BODY, NOW), /needs timestampHeader/);
  });

  it('gives Standard Webhooks a deterministic id when none is passed', () => {
    const config: SignatureConfig = { scheme: 'standard-webhooks', secret: 'whsec_c2VjcmV0' };
    const headers = signWebhook(config, BODY, NOW);
    assert.deepEqual(signWebhook(config, BODY, NOW), headers);
    assert.match(headers['webhook-id']!, /^msg_[0-9a-f]{24}$/);
  });
});

function checkVector(vector: StandardWebhooksVector): void {
  const config: SignatureConfig = { scheme: 'standard-webhooks', secret: vector.secret };
  const body = Buffer.from(vector.payload);
  const nowMs = vector.timestamp * 1000;
  if (vector.expectedSignature !== undefined) {
    assert.equal(signWebhook(config, body, nowMs, vector.msgId)['webhook-signature'], vector.expectedSignature, vector.name);
  }
  const headers = {
    'webhook-id': vector.msgId,
    'webhook-timestamp': String(vector.timestamp),
    'webhook-signature': vector.headerSignature ?? vector.expectedSignature,
  };
  assert.equal(verifyWebhookSignature(config, { rawBody: body, headers }, nowMs).ok, vector.valid, vector.name);
}

describe('Standard Webhooks test vectors', () => {
  for (const vector of STANDARD_WEBHOOKS_VECTORS) it(vector.name, () => checkVector(vector));

  // In the Weft workspace the spec folder sits beside the repository; a plain clone has only the fixture.
  const sharedVectors = fileURLToPath(new URL('../../../../../../shared/specs/standard-webhooks/test-vectors.json', import.meta.url));
  it('agrees with every vector in shared/specs', { skip: !existsSync(sharedVectors) && 'shared/specs is not beside the repository' }, () => {
    const file = JSON.parse(readFileSync(sharedVectors, 'utf8')) as {
      vectors: { name: string; secret: string; msg_id: string; timestamp: number; payload: string; expected_signature?: string; header_signature?: string; valid: boolean }[];
    };
    assert.ok(file.vectors.length > 0);
    for (const v of file.vectors) {
      checkVector({
        name: v.name,
        secret: v.secret,
        msgId: v.msg_id,
        timestamp: v.timestamp,
        payload: v.payload,
        valid: v.valid,
        ...(v.expected_signature !== undefined && { expectedSignature: v.expected_signature }),
        ...(v.header_signature !== undefined && { headerSignature: v.header_signature }),
      });
    }
  });
});
