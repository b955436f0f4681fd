import { createHmac } from 'node:crypto';
import { createCollection, createSandbox, type Collection, type RunningSandbox, type SandboxFailure, type SandboxRequest, type SandboxResponse } from '@weft/sdk/testing';
import {
  LIST_LIMIT,
  MAX_BLOCKS,
  MAX_TEXT_LENGTH,
  POST_MESSAGE_INTERVAL_MS,
  SANDBOX_BOT,
  SANDBOX_BOT_TOKEN,
  SANDBOX_HUMAN,
  SANDBOX_SIGNING_SECRET,
  SANDBOX_TEAM,
  SEED_CHANNELS,
  SEED_EPOCH_SECONDS,
  SLACK_INTERACTION_TYPES,
} from './slack.fixtures.ts';

/**
 * A stateful fake of the Slack Web API methods the connector uses: Bearer (or `token`
 * parameter) bot-token checks answered as HTTP 200 `{ ok: false, error }`, JSON or form bodies,
 * chat.postMessage's validation and its one-message-a-second-per-channel limit (429 with
 * Retry-After), conversations.list cursors, and interactive payloads delivered as Slack sends
 * them: a form with `payload=<JSON>`, signed with X-Slack-Signature v0.
 */

export interface SlackChannel {
  id: string;
  name: string;
  created: number;
  is_private: boolean;
  is_archived: boolean;
  is_member: boolean;
}

export interface SlackPostedMessage {
  channel: string;
  type: 'message';
  ts: string;
  text: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  thread_ts?: string;
  blocks?: unknown[];
  unfurl_links?: boolean;
}

export interface SlackState {
  channels: Collection<SlackChannel>;
  /** Every message posted, oldest first; read by tests through /_sandbox/slack/messages. */
  messages: SlackPostedMessage[];
  /** When each channel last accepted a message, for the per-channel limit. */
  lastPostAt: Map<string, number>;
  next(): number;
}

export interface SlackSandbox extends RunningSandbox<SlackState> {
  botToken: string;
  /** The app's signing secret: interactive payloads are signed with it. */
  webhookSecret: string;
}

export interface SlackSandboxOptions {
  port?: number;
  host?: string;
  botToken?: string;
  signingSecret?: string;
  now?: () => number;
  random?: () => number;
}

export async function startSlackSandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  const botToken = options.botToken ?? SANDBOX_BOT_TOKEN;
  const signingSecret = options.signingSecret ?? SANDBOX_SIGNING_SECRET;
  const now = options.now ?? Date.now;

  const sandbox = createSandbox<SlackState>({
    name: 'slack',
    seed: seedState,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    // Slack refuses a bad token with HTTP 200, not 401.
    authenticate: (request) => {
      const token = tokenOf(request);
      if (token === undefined) return slackError('not_authed');
      return token === botToken ? undefined : slackError('invalid_auth');
    },
    errorResponse: failureResponse,
    routes: [
      { method: 'POST', path: '/chat.postMessage', handle: (request, { state }) => postMessage(params(request), state, now()) },
      { method: 'GET', path: '/auth.test', handle: () => authTest() },
      { method: 'POST', path: '/auth.test', handle: () => authTest() },
      { method: 'GET', path: '/conversations.list', handle: (request, { state }) => listConversations({ ...request.query, ...params(request) }, state) },
      { method: 'POST', path: '/conversations.list', handle: (request, { state }) => listConversations({ ...request.query, ...params(request) }, state) },
    ],
    controlRoutes: [
      {
        method: 'GET',
        path: '/_sandbox/slack/messages',
        handle: (request, { state }) => {
          const channel = typeof request.query.channel === 'string' ? request.query.channel : undefined;
          return { body: { messages: state.messages.filter((message) => channel === undefined || message.channel === channel) } };
        },
      },
    ],
    webhooks: {
      sign: (rawBody, nowMs) => {
        const timestamp = String(Math.floor(nowMs / 1000));
        const signature = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
        return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': timestamp };
      },
      // Slack posts interactivity as a form whose single field carries the JSON.
      encode: (event) => ({ body: new URLSearchParams({ payload: JSON.stringify(event) }).toString(), contentType: 'application/x-www-form-urlencoded' }),
      event: (type, { state }, data) => {
        if (type !== 'block_actions') throw new Error(`the Slack sandbox builds ${SLACK_INTERACTION_TYPES.join(', ')} payloads, not ${type}`);
        return blockActions(state, now(), (data ?? {}) as { channel?: string; action_id?: string; value?: string });
      },
    },
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, { botToken, webhookSecret: signingSecret });
}

function seedState(): SlackState {
  let counter = 0;
  return {
    channels: createCollection<SlackChannel>(
      SEED_CHANNELS.map((seed) => ({
        id: seed.id,
        name: seed.name,
        created: SEED_EPOCH_SECONDS,
        is_private: seed.isPrivate,
        is_archived: seed.isArchived,
        is_member: seed.isMember,
      })),
    ),
    messages: [],
    lastPostAt: new Map(),
    next: () => ++counter,
  };
}

function postMessage(input: Record<string, unknown>, state: SlackState, nowMs: number): SandboxResponse {
  const channelRef = typeof input.channel === 'string' ? input.channel.replace(/^#/, '') : '';
  const channel = state.channels.get(channelRef) ?? state.channels.all().find((candidate) => candidate.name === channelRef);
  if (channel === undefined) return slackError('channel_not_found');
  if (channel.is_archived) return slackError('is_archived');
  if (!channel.is_member) return slackError('not_in_channel');

  const blocks = blocksOf(input.blocks);
  if (blocks === 'invalid') return slackError('invalid_blocks');
  const text = typeof input.text === 'string' ? input.text : '';
  if (text === '' && blocks === undefined) return slackError('no_text');
  if (text.length > MAX_TEXT_LENGTH) return slackError('msg_too_long');

  const last = state.lastPostAt.get(channel.id);
  if (last !== undefined && nowMs - last < POST_MESSAGE_INTERVAL_MS) {
    const retryAfter = Math.max(1, Math.ceil((last + POST_MESSAGE_INTERVAL_MS - nowMs) / 1000));
    return { status: 429, headers: { 'retry-after': String(retryAfter) }, body: { ok: false, error: 'ratelimited' } };
  }
  state.lastPostAt.set(channel.id, nowMs);

  const ts = `${Math.floor(nowMs / 1000)}.${String(state.next()).padStart(6, '0')}`;
  const threadTs = typeof input.thread_ts === 'string' && input.thread_ts !== '' ? input.thread_ts : undefined;
  const posted: SlackPostedMessage = {
    channel: channel.id,
    type: 'message',
    ts,
    text,
    user: SANDBOX_BOT.userId,
    bot_id: SANDBOX_BOT.botId,
    app_id: SANDBOX_BOT.appId,
    team: SANDBOX_TEAM.id,
    ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    ...(blocks === undefined ? {} : { blocks }),
    ...(input.unfurl_links === undefined ? {} : { unfurl_links: input.unfurl_links === true || input.unfurl_links === 'true' }),
  };
  state.messages.push(posted);
  const { channel: _channel, unfurl_links: _unfurl, ...message } = posted;
  return { body: { ok: true, channel: channel.id, ts, message } };
}

/** JSON bodies carry blocks as an array; form bodies as a JSON string. */
function blocksOf(value: unknown): unknown[] | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  let blocks = value;
  if (typeof value === 'string') {
    try {
      blocks = JSON.parse(value);
    } catch {
      return 'invalid';
    }
  }
  const isValid =
    Array.isArray(blocks) &&
    blocks.length <= MAX_BLOCKS &&
    blocks.every((block) => typeof block === 'object' && block !== null && typeof (block as { type?: unknown }).type === 'string');
  return isValid ? (blocks as unknown[]) : 'invalid';
}

function authTest(): SandboxResponse {
  return {
    body: {
      ok: true,
      url: `https://${SANDBOX_TEAM.domain}.slack.com/`,
      team: SANDBOX_TEAM.name,
      user: SANDBOX_BOT.name,
      team_id: SANDBOX_TEAM.id,
      user_id: SANDBOX_BOT.userId,
      bot_id: SANDBOX_BOT.botId,
      is_enterprise_install: false,
    },
  };
}

function listConversations(input: Record<string, unknown>, state: SlackState): SandboxResponse {
  const limit = input.limit === undefined ? LIST_LIMIT.default : Number(input.limit);
  if (!Number.isInteger(limit) || limit < 1) return slackError('invalid_limit');
  const types = String(input.types ?? 'public_channel').split(',');
  const excludeArchived = input.exclude_archived === true || input.exclude_archived === 'true';
  let channels = state.channels
    .all()
    .filter((channel) => types.includes(channel.is_private ? 'private_channel' : 'public_channel'))
    .filter((channel) => !(excludeArchived && channel.is_archived));
  if (typeof input.cursor === 'string' && input.cursor !== '') {
    const start = Buffer.from(input.cursor, 'base64').toString('utf8').replace(/^team:/, '');
    const index = channels.findIndex((channel) => channel.id === start);
    if (index < 0) return slackError('invalid_cursor');
    channels = channels.slice(index);
  }
  // Slack may return fewer than limit; it never returns more than 1000.
  const page = channels.slice(0, Math.min(limit, LIST_LIMIT.max));
  const following = channels[page.length];
  return {
    body: {
      ok: true,
      channels: page.map(conversationOf),
      response_metadata: { next_cursor: following === undefined ? '' : Buffer.from(`team:${following.id}`).toString('base64') },
    },
  };
}

function conversationOf(channel: SlackChannel) {
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.is_private,
    is_group: channel.is_private,
    is_im: false,
    is_mpim: false,
    is_private: channel.is_private,
    is_archived: channel.is_archived,
    is_general: channel.name === 'general',
    is_member: channel.is_member,
    is_shared: false,
    created: channel.created,
    creator: SANDBOX_HUMAN.id,
    num_members: channel.is_member ? 2 : 1,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

/** A click on a button in the newest message the bot posted (or in #general when it posted none). */
function blockActions(state: SlackState, nowMs: number, data: { channel?: string; action_id?: string; value?: string }) {
  const posted = [...state.messages].reverse().find((message) => data.channel === undefined || message.channel === data.channel);
  const channel = state.channels.get(posted?.channel ?? data.channel ?? SEED_CHANNELS[0]!.id);
  if (channel === undefined) throw new Error(`the Slack sandbox has no channel ${data.channel}`);
  const n = state.next();
  const actionTs = `${Math.floor(nowMs / 1000)}.${String(n).padStart(6, '0')}`;
  return {
    type: 'block_actions',
    team: { id: SANDBOX_TEAM.id, domain: SANDBOX_TEAM.domain },
    user: { id: SANDBOX_HUMAN.id, username: SANDBOX_HUMAN.name, name: SANDBOX_HUMAN.name, team_id: SANDBOX_HUMAN.teamId },
    api_app_id: SANDBOX_BOT.appId,
    // Deprecated verification token Slack still sends; signatures replace it.
    token: 'sandboxVerificationToken',
    container: { type: 'message', message_ts: posted?.ts, channel_id: channel.id, is_ephemeral: false },
    trigger_id: `${n}000000000.${SANDBOX_TEAM.id.slice(1)}.${String(n).padStart(32, '0')}`,
    channel: { id: channel.id, name: channel.name },
    message: posted === undefined ? undefined : { type: 'message', ts: posted.ts, text: posted.text, user: posted.user, bot_id: posted.bot_id, blocks: posted.blocks },
    response_url: `https://hooks.slack.com/actions/${SANDBOX_TEAM.id}/${n}/sandbox`,
    actions: [
      {
        type: 'button',
        action_id: data.action_id ?? 'approve',
        block_id: 'actions',
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        value: data.value ?? 'approve',
        action_ts: actionTs,
      },
    ],
  };
}

function params(request: SandboxRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

/** Slack takes the token as a Bearer header or a `token` parameter (query or form). */
function tokenOf(request: SandboxRequest): string | undefined {
  const authorization = request.headers.authorization?.trim();
  if (authorization !== undefined) {
    const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
    return scheme.toLowerCase() === 'bearer' && value !== '' ? value : undefined;
  }
  const token = params(request).token ?? request.query.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function slackError(error: string): SandboxResponse {
  return { status: 200, body: { ok: false, error } };
}

/** Slack's bodies for what the sandbox itself refuses; the status stays what the fault asked for. */
function failureResponse(failure: SandboxFailure): SandboxResponse {
  switch (failure.kind) {
    case 'rate-limited':
      return { status: 429, body: { ok: false, error: 'ratelimited' } };
    case 'unknown-route':
      return { status: 404, body: { ok: false, error: 'unknown_method' } };
    case 'bad-body':
      return failure.status === 413 ? { status: 413, body: { ok: false, error: 'request_too_large' } } : slackError('invalid_json');
    case 'unavailable':
      return { status: failure.status, body: { ok: false, error: 'service_unavailable' } };
    case 'injected': {
      const error = failure.status >= 500 ? 'internal_error' : failure.status === 404 ? 'unknown_method' : failure.status === 401 ? 'invalid_auth' : 'invalid_arguments';
      return { status: failure.status, body: { ok: false, error } };
    }
  }
}
