import { canonical, defineMapping, type CanonicalMessage, type Infer } from '@weft/sdk';
import { postMessageInput, postMessageOutput, ts as tsSchema } from './slack.schemas.ts';

/**
 * Slack ⇄ canonical message@1. `ids` are keyed by the connector id, "slack"; a flow whose
 * connection has another name re-keys them. A Slack message is only unique within its channel,
 * so its canonical id is "<channel id>:<ts>".
 */

type PostMessageInput = Infer<typeof postMessageInput>;
type Block = { type: string; text?: unknown; [key: string]: unknown };

const TS_PATTERN = new RegExp(tsSchema.pattern as string);

export const messageToPostMessage = defineMapping({
  id: 'message-to-post-message',
  name: 'Canonical message → chat.postMessage',
  description:
    'A chat message to the post-message input: `to` is the channel, `body` the text; custom.thread_ts replies in a thread and custom.blocks (a Block Kit array) adds a layout.',
  direction: 'from-canonical',
  canonical: 'message@1',
  input: canonical.Message,
  output: postMessageInput,
  map: (message) => {
    if (message.channel !== 'chat') {
      throw new TypeError(`Slack posts chat messages; this message is for the ${message.channel} channel`);
    }
    const { thread_ts: threadTs, blocks } = message.custom ?? {};
    if (threadTs !== undefined && (typeof threadTs !== 'string' || !TS_PATTERN.test(threadTs))) {
      throw new TypeError(`custom.thread_ts must be a Slack message ts like "1503435956.000247", got ${JSON.stringify(threadTs)}`);
    }
    if (blocks !== undefined && !isBlockList(blocks)) throw new TypeError('custom.blocks must be a list of Block Kit blocks, each with a type');
    const input: PostMessageInput = { channel: message.to, text: message.body };
    if (threadTs !== undefined) input.thread_ts = threadTs;
    if (blocks !== undefined) input.blocks = blocks;
    return input;
  },
});

export const postedMessageToMessage = defineMapping({
  id: 'posted-message-to-message',
  name: 'chat.postMessage result → canonical message',
  description: "post-message's output as a sent chat message; sentAt is the message ts, body its text (or the text of its blocks).",
  direction: 'to-canonical',
  canonical: 'message@1',
  input: postMessageOutput,
  output: canonical.Message,
  map: ({ channel, ts, message }) => {
    const body = message.text !== '' ? message.text : textOfBlocks(message.blocks ?? []);
    if (body === '') throw new TypeError(`Slack message ${ts} in ${channel} has neither text nor text in its blocks`);
    const from = message.bot_id ?? message.user;
    const result: CanonicalMessage = {
      ids: { slack: `${channel}:${ts}` },
      channel: 'chat',
      to: channel,
      body,
      status: 'sent',
      sentAt: tsToIso(ts),
      custom: { ts, ...(message.thread_ts === undefined ? {} : { thread_ts: message.thread_ts }) },
    };
    if (from !== undefined) result.from = from;
    return result;
  },
});

/** "1503435956.000247" (seconds.microseconds) → "2017-08-22T21:05:56.000Z". */
function tsToIso(ts: string): string {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return new Date(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)).toISOString();
}

function isBlockList(value: unknown): value is PostMessageInput['blocks'] & object {
  return Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && typeof (item as Block).type === 'string');
}

/** The readable text of section and header blocks, for messages posted with blocks only. */
function textOfBlocks(blocks: readonly Block[]): string {
  return blocks
    .map((block) => (block.text as { text?: unknown } | undefined)?.text)
    .filter((text): text is string => typeof text === 'string' && text !== '')
    .join('\n');
}
