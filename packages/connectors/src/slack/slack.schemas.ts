import { schema } from '@weft/sdk';
import { MAX_BLOCKS, MAX_TEXT_LENGTH } from './slack.fixtures.ts';

/**
 * The parts of Slack's objects that flows read, with Slack's own field names (definitions
 * objs_message and objs_conversation in Slack's OpenAPI description). Objects allow the fields
 * not listed: Slack adds fields without versioning its API.
 */

/** A message timestamp, Slack's id for a message within its channel ("1503435956.000247"). */
export const ts = schema.String({ pattern: '^\\d{10}\\.\\d{6}$', description: 'Message timestamp: the message id within its channel.' });

/** A Block Kit block; Slack validates the blocks themselves. */
export const block = schema.Object({ type: schema.String({ minLength: 1 }) }, { additionalProperties: true });

export const message = schema.Object(
  {
    type: schema.Literal('message'),
    ts,
    text: schema.String(),
    user: schema.Optional(schema.String()),
    bot_id: schema.Optional(schema.String()),
    subtype: schema.Optional(schema.String()),
    thread_ts: schema.Optional(ts),
    blocks: schema.Optional(schema.Array(block)),
  },
  { additionalProperties: true },
);

export const conversation = schema.Object(
  {
    id: schema.String({ pattern: '^[CGD][A-Z0-9]{2,}$' }),
    name: schema.String(),
    is_channel: schema.Boolean(),
    is_private: schema.Boolean(),
    is_archived: schema.Boolean(),
    is_member: schema.Boolean(),
    created: schema.Integer({ description: 'Seconds since the Unix epoch.' }),
    num_members: schema.Optional(schema.Integer()),
  },
  { additionalProperties: true },
);

export const postMessageInput = schema.Object({
  channel: schema.String({ minLength: 1, description: 'Channel id (C…, G…, D…) or name; the bot must be in it.' }),
  text: schema.Optional(
    schema.String({ maxLength: MAX_TEXT_LENGTH, description: 'The message, or with blocks the fallback shown in notifications.' }),
  ),
  blocks: schema.Optional(schema.Array(block, { maxItems: MAX_BLOCKS, description: 'Block Kit layout blocks.' })),
  thread_ts: schema.Optional(schema.String({ pattern: '^\\d{10}\\.\\d{6}$', description: "Reply in the thread of this message's ts." })),
  unfurl_links: schema.Optional(schema.Boolean({ description: 'Whether Slack previews links in the text.' })),
});

export const postMessageOutput = schema.Object({
  ok: schema.Literal(true),
  channel: schema.String({ description: 'The channel id, also when the input named the channel.' }),
  ts,
  message,
});
