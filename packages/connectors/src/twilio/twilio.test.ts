import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AuthError, NotFoundError, RateLimitedError, ValidationError, canonical, type HttpResponse } from '@weft/sdk';
import { connectorContract, createTestHttpClient, runAction, verifyWebhookSignature, type TestHttpClient, startWebhookReceiver, type WebhookReceiver } from '@weft/sdk/testing';
import { createMessage } from './create-message.action.ts';
import { getMessage } from './get-message.action.ts';
import { listMessages } from './list-messages.action.ts';
import { statusCallbacks } from './status-callbacks.trigger.ts';
import { messageToCanonical, messageToCreateMessage, statusCallbackToCanonical } from './twilio.canonical.ts';
import { twilio } from './twilio.connector.ts';
import { twilioError } from './twilio.errors.ts';
import { SANDBOX_FROM_NUMBER, SANDBOX_MESSAGING_SERVICE_SID, SEED_RECIPIENTS, UNDELIVERABLE_TO_NUMBER, UNREACHABLE_ERROR_CODE } from './twilio.fixtures.ts';
import { startTwilioSandbox, type TwilioSandbox } from './twilio.sandbox.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';

const firstSeededSid = (sandbox: TwilioSandbox) => [...sandbox.state().messages.keys()][0]!;
const RFC_2822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

// The message resource Twilio's OpenAPI description gives as its create example (201).
const SPEC_CREATE_EXAMPLE = {
  account_sid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  api_version: '2010-04-01',
  body: 'Hello! 👍',
  date_created: 'Thu, 24 Aug 2023 05:01:45 +0000',
  date_sent: 'Thu, 24 Aug 2023 05:01:45 +0000',
  date_updated: 'Thu, 24 Aug 2023 05:01:45 +0000',
  direction: 'outbound-api',
  error_code: null,
  error_message: null,
  from: '+14155552345',
  num_media: '0',
  num_segments: '1',
  price: null,
  price_unit: null,
  messaging_service_sid: 'MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  sid: 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  status: 'queued' as const,
  to: '+14155552345',
  uri: '/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json',
};

connectorContract({
  connector: twilio,
  // No status progression: the contract resets the sandbox between tests.
  startSandbox: () => startTwilioSandbox({ statusStepMs: 0 }),
  connection: (sandbox) => {
    const { accountSid, authToken, url } = sandbox as TwilioSandbox;
    return { config: { accountSid, baseUrl: url }, credentials: { username: accountSid, password: authToken } };
  },
  probeAction: 'list-messages',
  samples: {
    'create-message': {
      input: { To: '+14155550100', From: SANDBOX_FROM_NUMBER, Body: 'Your order has shipped' },
      expect: (output) => assert.equal((output as { status: string }).status, 'queued'),
    },
    'get-message': { input: { sid: 'SM00000000000000000000000000000001' } },
    'list-messages': {
      input: { PageSize: 3 },
      requests: Math.ceil(SEED_RECIPIENTS.length / 3),
      expect: (output) => assert.equal((output as { messages: unknown[] }).messages.length, SEED_RECIPIENTS.length),
    },
  },
  triggers: { 'status-callbacks': { type: 'delivered' } },
});

describe('twilio actions against the Twilio sandbox', () => {
  let sandbox: TwilioSandbox;
  let http: TestHttpClient;
  let receiver: WebhookReceiver;

  before(async () => {
    sandbox = await startTwilioSandbox({ statusStepMs: 20 });
    receiver = await startWebhookReceiver('/hooks/twilio-status');
    const basic = Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64');
    // The connector's own baseUrl(config), so the account path is built as a connection builds it.
    const baseUrl = (twilio.baseUrl as (config: Record<string, unknown>) => string)({ accountSid: sandbox.accountSid, baseUrl: sandbox.url });
    http = createTestHttpClient({ baseUrl, headers: { authorization: `Basic ${basic}` } });
  });
  after(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => {
    sandbox.reset();
    receiver.received.splice(0);
  });

  const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail('expected a failure'), (error: unknown) => error);

  it('sends a form with MediaUrl repeated, and gets 201 with the queued message', async () => {
    const media = ['https://example.com/a.jpg', 'https://example.com/b.jpg'];
    const output = await runAction(createMessage, { To: '+14155550100', From: SANDBOX_FROM_NUMBER, Body: 'Photos', MediaUrl: media }, { http });
    const [request] = sandbox.requests();
    assert.equal(request?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual((request?.body as Record<string, unknown>).MediaUrl, media);
    assert.equal(request?.status, 201);
    assert.match(output.sid, /^MM[0-9a-f]{32}$/);
    assert.equal(output.status, 'queued');
    assert.equal(output.num_media, '2');
    assert.match(output.date_created, RFC_2822);
    assert.equal(createMessage.xref?.id(output), output.sid);
  });

  it('sends WhatsApp with whatsapp: addresses, through a Messaging Service as accepted', async () => {
    const viaWhatsapp = await runAction(createMessage, { To: 'whatsapp:+14155550100', From: `whatsapp:${SANDBOX_FROM_NUMBER}`, Body: 'Hi' }, { http });
    assert.equal(viaWhatsapp.to, 'whatsapp:+14155550100');
    const viaService = await runAction(createMessage, { To: '+14155550100', MessagingServiceSid: SANDBOX_MESSAGING_SERVICE_SID, Body: 'Hi' }, { http });
    assert.equal(viaService.status, 'accepted');
  });

  it("answers Twilio's codes, classified by what they mean", async () => {
    const cases: [Record<string, unknown>, new (...args: never[]) => Error, string, number][] = [
      [{ To: '+15005550001', From: SANDBOX_FROM_NUMBER, Body: 'x' }, ValidationError, 'ERR_TWILIO_INVALID_RECIPIENT', 21211],
      [{ To: '+15005550004', From: SANDBOX_FROM_NUMBER, Body: 'x' }, ValidationError, 'ERR_TWILIO_RECIPIENT_UNSUBSCRIBED', 21610],
      [{ To: '+14155550100', Body: 'x' }, ValidationError, 'ERR_TWILIO_REJECTED', 21603],
      [{ To: '+14155550100', From: SANDBOX_FROM_NUMBER }, ValidationError, 'ERR_TWILIO_REJECTED', 21602],
      [{ To: 'whatsapp:+14155550100', From: SANDBOX_FROM_NUMBER, Body: 'x' }, ValidationError, 'ERR_TWILIO_REJECTED', 21910],
      [{ To: '+14155550100', From: '+14155550999', Body: 'x' }, ValidationError, 'ERR_TWILIO_REJECTED', 21606],
    ];
    for (const [input, errorClass, code, twilioCode] of cases) {
      const error = await failure(runAction(createMessage, input as never, { http }));
      assert.ok(error instanceof errorClass, `${twilioCode}: got ${String(error)}`);
      assert.equal((error as ValidationError).code, code);
      assert.equal(((error as ValidationError).details as { twilioCode: number }).twilioCode, twilioCode);
    }
    const missing = await failure(runAction(getMessage, { sid: `SM${'f'.repeat(32)}` }, { http }));
    assert.ok(missing instanceof NotFoundError && missing.code === 'ERR_TWILIO_NOT_FOUND');
  });

  it('refuses other credentials with 401 and code 20003, without echoing the token', async () => {
    const response = await fetch(`${sandbox.url}/2010-04-01/Accounts/${sandbox.accountSid}/Messages.json`, {
      headers: { authorization: `Basic ${Buffer.from(`${sandbox.accountSid}:nope`).toString('base64')}` },
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'more_info', 'status']);
    assert.equal(body.code, 20003);
    assert.ok(!JSON.stringify(body).includes(sandbox.authToken));
  });

  it('lists newest first, filters by To, and follows next_page_uri to the end', async () => {
    const all = await runAction(listMessages, { PageSize: 2 }, { http });
    assert.deepEqual(all.messages.map((m) => m.to), [...SEED_RECIPIENTS].reverse());
    const pages = sandbox.requests().map((request) => request.query);
    assert.equal(pages.length, Math.ceil(SEED_RECIPIENTS.length / 2));
    assert.match(String(pages[1]?.PageToken), /^PA/);
    const one = await runAction(listMessages, { To: SEED_RECIPIENTS[2] }, { http });
    assert.deepEqual(one.messages.map((m) => m.to), [SEED_RECIPIENTS[2]]);
  });

  it('steps a message to delivered, posting a signed status callback at each step', async () => {
    const created = await runAction(createMessage, { To: '+14155550100', From: SANDBOX_FROM_NUMBER, Body: 'Hi', StatusCallback: receiver.url }, { http });
    await until(() => receiver.received.length === 2);
    const statuses = receiver.received.map((delivery) => Object.fromEntries(new URLSearchParams(delivery.rawBody)));
    assert.deepEqual(statuses.map((s) => [s.MessageSid, s.MessageStatus]), [[created.sid, 'sent'], [created.sid, 'delivered']]);
    for (const delivery of receiver.received) {
      const verified = verifyWebhookSignature({ signature: statusCallbacks.webhook!.signature, secret: sandbox.webhookSecret, ...delivery, nowMs: Date.now() });
      assert.deepEqual(verified, { ok: true });
      const elsewhere = verifyWebhookSignature({ signature: statusCallbacks.webhook!.signature, secret: sandbox.webhookSecret, ...delivery, url: `${delivery.url}?x=1`, nowMs: Date.now() });
      assert.equal(elsewhere.ok, false, 'the signature must cover the URL');
    }
    assert.equal((await runAction(getMessage, { sid: created.sid }, { http })).status, 'delivered');
  });

  it('reports an undeliverable number as undelivered with ErrorCode 30003', async () => {
    const created = await runAction(createMessage, { To: UNDELIVERABLE_TO_NUMBER, From: SANDBOX_FROM_NUMBER, Body: 'Hi', StatusCallback: receiver.url }, { http });
    await until(() => receiver.received.length === 2);
    const last = Object.fromEntries(new URLSearchParams(receiver.received[1]!.rawBody));
    assert.deepEqual([last.MessageStatus, last.ErrorCode], ['undelivered', String(UNREACHABLE_ERROR_CODE)]);
    const fetched = await runAction(getMessage, { sid: created.sid }, { http });
    assert.deepEqual([fetched.status, fetched.error_code], ['undelivered', UNREACHABLE_ERROR_CODE]);
  });

  it('answers an injected rate limit with code 20429', async () => {
    sandbox.faults.set({ rateLimit: { count: 1, retryAfterSeconds: 3 } });
    const error = await failure(runAction(getMessage, { sid: firstSeededSid(sandbox) }, { http }));
    assert.ok(error instanceof RateLimitedError && error.code === 'ERR_TWILIO_RATE_LIMITED');
    assert.equal(error.retryAfterMs, 3000);
  });
});

describe('twilio error classification', () => {
  const twilioBody = (status: number, code: number, headers: Record<string, string> = {}): HttpResponse => ({
    status,
    headers,
    body: { code, message: 'm', more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    text: '',
  });

  it('reads the code, not only the status', () => {
    assert.equal(twilioError(twilioBody(400, 21608))?.code, 'ERR_TWILIO_RECIPIENT_UNVERIFIED');
    assert.ok(twilioError(twilioBody(401, 20003)) instanceof AuthError);
    const limited = twilioError(twilioBody(429, 20429, { 'retry-after': '2' }));
    assert.ok(limited instanceof RateLimitedError && limited.retryAfterMs === 2000);
  });

  it('leaves successes, 5xx and bodies without a code to the standard mapping', () => {
    assert.equal(twilioError({ status: 201, headers: {}, body: SPEC_CREATE_EXAMPLE, text: '' }), undefined);
    assert.equal(twilioError(twilioBody(503, 20500)), undefined);
    assert.equal(twilioError({ status: 400, headers: {}, body: '<html>', text: '<html>' }), undefined);
  });
});

describe('twilio mappings', () => {
  it('turns canonical sms and whatsapp messages into create-message inputs', () => {
    assert.deepEqual(messageToCreateMessage.map({ channel: 'sms', to: '+14155550100', from: SANDBOX_FROM_NUMBER, body: 'Hi' }), {
      To: '+14155550100',
      From: SANDBOX_FROM_NUMBER,
      Body: 'Hi',
    });
    const whatsapp = messageToCreateMessage.map({
      channel: 'whatsapp',
      to: '+14155550100',
      body: 'Hi',
      custom: { messagingServiceSid: SANDBOX_MESSAGING_SERVICE_SID, statusCallback: 'https://weft.example.com/hooks/twilio' },
    });
    assert.deepEqual(whatsapp, { To: 'whatsapp:+14155550100', Body: 'Hi', MessagingServiceSid: SANDBOX_MESSAGING_SERVICE_SID, StatusCallback: 'https://weft.example.com/hooks/twilio' });
  });

  it('refuses an email, a message with no sender, and a number that is not E.164', () => {
    assert.throws(() => messageToCreateMessage.map({ channel: 'email', to: 'a@example.com', body: 'Hi' }), /sms and whatsapp/);
    assert.throws(() => messageToCreateMessage.map({ channel: 'sms', to: '+14155550100', body: 'Hi' }), /needs `from`/);
    assert.throws(() => messageToCreateMessage.map({ channel: 'sms', to: '4155550100', from: SANDBOX_FROM_NUMBER, body: 'Hi' }), /E\.164/);
  });

  it("turns the spec's message resource into a valid canonical message", () => {
    const output = messageToCanonical.map(SPEC_CREATE_EXAMPLE);
    assertMatchesSchema(canonical.Message, output, 'canonical message');
    assert.deepEqual(
      [output.ids, output.channel, output.to, output.from, output.status, output.sentAt],
      [{ twilio: SPEC_CREATE_EXAMPLE.sid }, 'sms', '+14155552345', '+14155552345', 'queued', '2023-08-24T05:01:45.000Z'],
    );
  });

  it('moves the whatsapp: prefix into channel and reports an undelivered message as failed', () => {
    const output = messageToCanonical.map({
      ...SPEC_CREATE_EXAMPLE,
      to: 'whatsapp:+14155550100',
      from: 'whatsapp:+15005550006',
      status: 'undelivered',
      error_code: 30003,
      error_message: 'Unreachable destination handset',
    });
    assertMatchesSchema(canonical.Message, output, 'canonical message');
    assert.deepEqual([output.channel, output.to, output.from, output.status, output.custom?.errorCode], ['whatsapp', '+14155550100', '+15005550006', 'failed', 30003]);
  });

  it('maps a status callback that carries Body, and refuses one without (message@1 requires a body)', () => {
    const callback = {
      MessageSid: 'SM00000000000000000000000000000009',
      MessageStatus: 'delivered' as const,
      AccountSid: 'AC0000000000000000000000000000e1f7',
      To: '+14155550100',
      From: SANDBOX_FROM_NUMBER,
      ApiVersion: '2010-04-01',
    };
    const output = statusCallbackToCanonical.map({ ...callback, Body: 'Your order has shipped' });
    assertMatchesSchema(canonical.Message, output, 'canonical message');
    assert.equal(output.status, 'delivered');
    assert.throws(() => statusCallbackToCanonical.map(callback), /carries no Body/);
  });
});

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the sandbox');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
