import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuthError, NotFoundError, PermanentError, RateLimitedError, RetryableError, ValidationError, canonical, type HttpResponse } from '@weft/sdk';
import { connectorContract, createTestHttpClient, runAction, verifyWebhookSignature, type TestHttpClient, startWebhookReceiver } from '@weft/sdk/testing';
import { authTest } from './auth-test.action.ts';
import { interactiveActions } from './interactive-actions.trigger.ts';
import { listConversations } from './list-conversations.action.ts';
import { postMessage } from './post-message.action.ts';
import { messageToPostMessage, postedMessageToMessage } from './slack.canonical.ts';
import { slack } from './slack.connector.ts';
import { slackError } from './slack.errors.ts';
import { MAX_TEXT_LENGTH, SANDBOX_BOT, SEED_CHANNELS, SLACK_ERRORS } from './slack.fixtures.ts';
import { startSlackSandbox, type SlackPostedMessage, type SlackSandbox } from './slack.sandbox.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';

const GENERAL = SEED_CHANNELS.find((channel) => channel.name === 'general')!;
const RANDOM = SEED_CHANNELS.find((channel) => channel.name === 'random')!;
const NOT_A_MEMBER = SEED_CHANNELS.find((channel) => !channel.isMember)!;
const ARCHIVED = SEED_CHANNELS.find((channel) => channel.isArchived)!;
const PUBLIC_CHANNELS = SEED_CHANNELS.filter((channel) => !channel.isPrivate);
// Declared apart: blocks are open objects, which a literal in place would not be allowed to be.
const SHIPPED_SECTION = { type: 'section', text: { type: 'mrkdwn', text: '*Shipped*' } };

connectorContract({
  connector: slack,
  startSandbox: () => startSlackSandbox(),
  connection: (sandbox) => ({ config: { baseUrl: sandbox.url }, credentials: { token: (sandbox as SlackSandbox).botToken } }),
  probeAction: 'auth-test',
  // Slack answers a bad token with HTTP 200 and { ok: false, error: 'invalid_auth' }.
  authFailureStatus: 200,
  samples: {
    'post-message': {
      input: { channel: GENERAL.id, text: 'Order #1001 shipped' },
      expect: (output) => assert.equal((output as { channel: string }).channel, GENERAL.id),
    },
    'auth-test': { input: {}, expect: (output) => assert.equal((output as { user_id: string }).user_id, SANDBOX_BOT.userId) },
    'list-conversations': {
      input: { limit: 5 },
      requests: Math.ceil(PUBLIC_CHANNELS.length / 5),
      expect: (output) => assert.deepEqual((output as { channels: { id: string }[] }).channels.map((c) => c.id), PUBLIC_CHANNELS.map((c) => c.id)),
    },
  },
  triggers: { 'interactive-actions': { type: 'block_actions' } },
});

describe('slack actions against the Slack sandbox', () => {
  let sandbox: SlackSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startSlackSandbox();
    http = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: `Bearer ${sandbox.botToken}` } });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail('expected a failure'), (error: unknown) => error);

  it('posts JSON with the bot token, and the message is readable through /_sandbox/slack/messages', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Shipped*' } }];
    const output = await runAction(postMessage, { channel: `#${GENERAL.name}`, text: 'Shipped', blocks, unfurl_links: false }, { http });
    assert.equal(output.channel, GENERAL.id);
    assert.equal(output.message.bot_id, SANDBOX_BOT.botId);
    const [request] = sandbox.requests();
    assert.match(request?.headers['content-type'] ?? '', /^application\/json/);
    const inspected = (await (await fetch(`${sandbox.url}/_sandbox/slack/messages?channel=${GENERAL.id}`)).json()) as { messages: SlackPostedMessage[] };
    assert.deepEqual(inspected.messages.map((m) => [m.ts, m.text, m.blocks]), [[output.ts, 'Shipped', blocks]]);
  });

  it('replies in a thread with thread_ts', async () => {
    const parent = await runAction(postMessage, { channel: GENERAL.id, text: 'Parent' }, { http });
    sandbox.state().lastPostAt.clear();
    const reply = await runAction(postMessage, { channel: GENERAL.id, text: 'Reply', thread_ts: parent.ts }, { http });
    assert.equal(reply.message.thread_ts, parent.ts);
  });

  it('classifies Slack errors that arrive inside HTTP 200', async () => {
    const cases: [Record<string, unknown>, new (...args: never[]) => Error, string][] = [
      [{ channel: 'C0NOPE0000', text: 'x' }, NotFoundError, 'channel_not_found'],
      [{ channel: NOT_A_MEMBER.id, text: 'x' }, NotFoundError, 'not_in_channel'],
      [{ channel: ARCHIVED.id, text: 'x' }, ValidationError, 'is_archived'],
      [{ channel: GENERAL.id }, ValidationError, 'no_text'],
      [{ channel: GENERAL.id, text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, ValidationError, 'msg_too_long'],
      [{ channel: GENERAL.id, blocks: [{ text: 'no type' }] }, ValidationError, 'invalid_blocks'],
    ];
    for (const [input, errorClass, slackCode] of cases) {
      const error = await failure(runAction(postMessage, input as never, { http }));
      assert.ok(error instanceof errorClass, `${slackCode}: got ${String(error)}`);
      assert.equal((error as PermanentError).status, 200);
      assert.deepEqual((error as PermanentError).details, { slackError: slackCode });
    }
    assert.equal(sandbox.state().messages.length, 0);
  });

  it('limits chat.postMessage to one message a second per channel, answering 429 with Retry-After', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const limited = await startSlackSandbox({ now: () => clock });
    try {
      const client = createTestHttpClient({ baseUrl: limited.url, headers: { authorization: `Bearer ${limited.botToken}` } });
      await runAction(postMessage, { channel: GENERAL.id, text: 'one' }, { http: client });
      const error = await failure(runAction(postMessage, { channel: GENERAL.id, text: 'two' }, { http: client }));
      assert.ok(error instanceof RateLimitedError, String(error));
      assert.equal(error.retryAfterMs, 1000);
      assert.equal(error.code, 'ERR_SLACK_RATE_LIMITED');
      await runAction(postMessage, { channel: RANDOM.id, text: 'other channel' }, { http: client });
      clock += 1000;
      await runAction(postMessage, { channel: GENERAL.id, text: 'two, later' }, { http: client });
      assert.equal(limited.state().messages.length, 3);
    } finally {
      await limited.close();
    }
  });

  it('refuses a missing or wrong token as Slack does: HTTP 200 with not_authed or invalid_auth', async () => {
    const anonymous = createTestHttpClient({ baseUrl: sandbox.url });
    const missing = await failure(runAction(authTest, {}, { http: anonymous }));
    assert.ok(missing instanceof AuthError);
    assert.deepEqual(missing.details, { slackError: 'not_authed' });
    const response = await fetch(`${sandbox.url}/auth.test`, { headers: { authorization: 'Bearer xoxb-wrong' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: false, error: 'invalid_auth' });
    // The token may also come as a form parameter.
    const form = await fetch(`${sandbox.url}/auth.test`, { method: 'POST', body: new URLSearchParams({ token: sandbox.botToken }) });
    assert.equal(((await form.json()) as { ok: boolean }).ok, true);
  });

  it('lists channels by type, leaves archived ones out on request, and refuses a cursor it did not issue', async () => {
    const privateOnly = await runAction(listConversations, { types: 'private_channel' }, { http });
    assert.deepEqual(privateOnly.channels.map((c) => c.name), ['leadership']);
    const active = await runAction(listConversations, { exclude_archived: true, limit: 100 }, { http });
    assert.ok(active.channels.every((c) => !c.is_archived) && active.channels.length === PUBLIC_CHANNELS.length - 1);
    const error = await failure(http.request({ method: 'GET', path: '/conversations.list', query: { cursor: 'bm9wZQ==' } }, { errors: slackError }));
    assert.ok(error instanceof ValidationError);
  });
});

describe('slack error classification', () => {
  const ok200 = (error: string): HttpResponse => ({ status: 200, headers: {}, body: { ok: false, error }, text: '' });

  it('maps every listed error code to its class', () => {
    const expected: [readonly string[], new (...args: never[]) => Error][] = [
      [SLACK_ERRORS.auth, AuthError],
      [SLACK_ERRORS.notFound, NotFoundError],
      [SLACK_ERRORS.rateLimited, RateLimitedError],
      [SLACK_ERRORS.validation, ValidationError],
      [SLACK_ERRORS.retryable, RetryableError],
    ];
    for (const [codes, errorClass] of expected) {
      for (const code of codes) assert.ok(slackError(ok200(code)) instanceof errorClass, code);
    }
    const retryable = slackError(ok200('fatal_error'));
    assert.ok(retryable instanceof RetryableError && !(retryable instanceof RateLimitedError));
  });

  it('leaves ok: true, and failed statuses without a Slack body, to the standard mapping', () => {
    assert.equal(slackError({ status: 200, headers: {}, body: { ok: true }, text: '' }), undefined);
    assert.equal(slackError({ status: 502, headers: {}, body: '<html>', text: '<html>' }), undefined);
  });

  it('reads Retry-After seconds on a 429', () => {
    const error = slackError({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' }, text: '' });
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 30_000);
  });

  it('names an unknown error code in a permanent error', () => {
    const error = slackError(ok200('something_new'));
    assert.ok(error instanceof PermanentError && error.code === 'ERR_SLACK_API_ERROR');
    assert.match(error.message, /something_new/);
  });

  // In the Weft workspace the specs sit beside the repository; a plain clone skips this.
  const spec = fileURLToPath(new URL('../../../../../shared/specs/slack/web-api/slack_web_openapi_v2.json', import.meta.url));
  it('classifies every error the spec lists for the methods the connector calls', { skip: !existsSync(spec) && 'shared/specs is not beside the repository' }, () => {
    const paths = (JSON.parse(readFileSync(spec, 'utf8')) as { paths: Record<string, Record<string, { responses: { default: { schema: { properties: { error: { enum: string[] } } } } } }>> }).paths;
    for (const [path, method] of [['/chat.postMessage', 'post'], ['/auth.test', 'get'], ['/conversations.list', 'get']] as const) {
      for (const code of paths[path]![method]!.responses.default.schema.properties.error.enum) {
        assert.notEqual(slackError(ok200(code))?.code, 'ERR_SLACK_API_ERROR', `${path} ${code} is unclassified`);
      }
    }
  });
});

describe('slack interactive payloads', () => {
  let sandbox: SlackSandbox;
  let receiver: { url: string; received: { rawBody: string; headers: Record<string, string> }[]; close(): Promise<void> };

  before(async () => {
    sandbox = await startSlackSandbox();
    receiver = await startWebhookReceiver('/slack/interactivity');
  });
  after(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('delivers a signed form with payload=<JSON> about the message the bot posted, through the control route', async () => {
    const http = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: `Bearer ${sandbox.botToken}` } });
    const posted = await runAction(postMessage, { channel: GENERAL.id, text: 'Approve refund?' }, { http });
    const answer = await fetch(`${sandbox.url}/_sandbox/webhooks/deliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, type: 'block_actions', data: { action_id: 'approve-refund', value: 're_1' } }),
    });
    assert.equal(answer.status, 200);
    const [delivery] = receiver.received;
    assert.ok(delivery !== undefined);
    assert.equal(delivery.headers['content-type'], 'application/x-www-form-urlencoded');
    const body = Object.fromEntries(new URLSearchParams(delivery.rawBody));
    assert.deepEqual(Object.keys(body), ['payload']);
    const payload = JSON.parse(body.payload!) as { type: string; message: { ts: string }; actions: { action_id: string; value: string }[]; trigger_id: string };
    assert.equal(payload.type, 'block_actions');
    assert.equal(payload.message.ts, posted.ts);
    assert.deepEqual([payload.actions[0]?.action_id, payload.actions[0]?.value], ['approve-refund', 're_1']);
    assert.equal(interactiveActions.webhook!.dedupeId(delivery.headers, body), payload.trigger_id);

    const signature = interactiveActions.webhook!.signature;
    const check = (nowMs: number, secret = sandbox.webhookSecret) => verifyWebhookSignature({ signature, secret, ...delivery, nowMs });
    assert.deepEqual(check(Date.now()), { ok: true });
    assert.equal(check(Date.now() + 6 * 60_000).ok, false, 'a request older than five minutes must be refused');
    assert.equal(check(Date.now(), 'another-secret').ok, false);
  });
});

describe('slack mappings', () => {
  it('turns a canonical chat message into a post-message input', () => {
    const input = messageToPostMessage.map({
      channel: 'chat',
      to: GENERAL.id,
      body: 'Order #1001 shipped',
      custom: { thread_ts: '1767225600.000001', blocks: [{ type: 'divider' }] },
    });
    assert.deepEqual(input, { channel: GENERAL.id, text: 'Order #1001 shipped', thread_ts: '1767225600.000001', blocks: [{ type: 'divider' }] });
  });

  it('refuses a message for another channel, or a malformed thread_ts, with a clear error', () => {
    assert.throws(() => messageToPostMessage.map({ channel: 'sms', to: '+14155550100', body: 'hi' }), /Slack posts chat messages; this message is for the sms channel/);
    assert.throws(() => messageToPostMessage.map({ channel: 'chat', to: GENERAL.id, body: 'hi', custom: { thread_ts: 'yesterday' } }), /thread_ts/);
  });

  it('turns a chat.postMessage answer into a valid canonical message', () => {
    const output = postedMessageToMessage.map({
      ok: true,
      channel: 'C1H9RESGL',
      ts: '1503435956.000247',
      message: { type: 'message', ts: '1503435956.000247', text: "Here's a message for you", bot_id: 'B19LU7CSY', subtype: 'bot_message' },
    });
    assertMatchesSchema(canonical.Message, output, 'canonical message');
    assert.deepEqual(output, {
      ids: { slack: 'C1H9RESGL:1503435956.000247' },
      channel: 'chat',
      to: 'C1H9RESGL',
      from: 'B19LU7CSY',
      body: "Here's a message for you",
      status: 'sent',
      sentAt: '2017-08-22T21:05:56.000Z',
      custom: { ts: '1503435956.000247' },
    });
  });

  it('reads the text of the blocks when a message was posted with blocks only', () => {
    const output = postedMessageToMessage.map({
      ok: true,
      channel: GENERAL.id,
      ts: '1767225600.000002',
      message: { type: 'message', ts: '1767225600.000002', text: '', user: SANDBOX_BOT.userId, thread_ts: '1767225600.000001', blocks: [SHIPPED_SECTION] },
    });
    assertMatchesSchema(canonical.Message, output, 'canonical message');
    assert.equal(output.body, '*Shipped*');
    assert.deepEqual(output.custom, { ts: '1767225600.000002', thread_ts: '1767225600.000001' });
  });
});

