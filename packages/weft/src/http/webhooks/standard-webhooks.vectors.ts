/**
 * Standard Webhooks fixed vectors, kept in the repository so the test runs in any clone.
 *
 * Facts copied from shared/specs/standard-webhooks/test-vectors.json, which transcribes the
 * fixed-vector tests of the reference libraries in standard-webhooks/standard-webhooks
 * @ b2fa7b8719fb75d326b591077f5d1b385cfcdfae (Apache-2.0 spec, MIT libraries). Scheme from
 * spec/standard-webhooks.md: HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, key =
 * base64-decoded secret after the `whsec_` prefix, header `v1,<base64>` entries separated by spaces.
 */
export interface StandardWebhooksVector {
  name: string;
  secret: string;
  msgId: string;
  /** Unix seconds. */
  timestamp: number;
  payload: string;
  /** What a correct signer produces; present on vectors that test signing. */
  expectedSignature?: string;
  /** The webhook-signature header to verify (defaults to expectedSignature). */
  headerSignature?: string;
  valid: boolean;
}

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const timestamp = 1614265330;
const payload = '{"test": 2432232314}';
const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const otherSignature = 'Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';

export const STANDARD_WEBHOOKS_VECTORS: readonly StandardWebhooksVector[] = [
  { name: 'sign-fixed-vector', secret, msgId, timestamp, payload, expectedSignature: signature, valid: true },
  {
    name: 'secret-without-prefix-is-equivalent',
    secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    msgId,
    timestamp,
    payload,
    expectedSignature: signature,
    valid: true,
  },
  {
    name: 'tampered-signature-last-char',
    secret,
    msgId,
    timestamp,
    payload,
    headerSignature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=',
    valid: false,
  },
  {
    name: 'wrong-version-prefix',
    secret,
    msgId,
    timestamp,
    payload,
    headerSignature: 'v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    valid: false,
  },
  {
    name: 'multi-signature-header-one-valid',
    secret,
    msgId,
    timestamp,
    payload,
    headerSignature: `v1,${otherSignature} v2,${otherSignature} ${signature} v1,${otherSignature}`,
    valid: true,
  },
  { name: 'partial-signature', secret, msgId, timestamp, payload, headerSignature: 'v1,', valid: false },
];
