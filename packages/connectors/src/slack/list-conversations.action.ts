import { cursor, defineAction, schema, type Infer } from '@weft/sdk';
import { LIST_LIMIT } from './slack.fixtures.ts';
import { slackError } from './slack.errors.ts';
import { conversation } from './slack.schemas.ts';

interface ConversationPage {
  channels: unknown[];
  response_metadata?: { next_cursor?: string };
}

export const listConversations = defineAction({
  id: 'list-conversations',
  name: 'List channels',
  description: 'conversations.list, every page (Slack pages with cursor = response_metadata.next_cursor; the last page has "").',
  input: schema.Object({
    types: schema.Optional(
      schema.String({
        pattern: '^(public_channel|private_channel|mpim|im)(,(public_channel|private_channel|mpim|im))*$',
        description: 'Comma-separated: public_channel (the default), private_channel, mpim, im.',
      }),
    ),
    exclude_archived: schema.Optional(schema.Boolean({ description: 'Leave archived channels out.' })),
    limit: schema.Optional(schema.Integer({ minimum: 1, maximum: LIST_LIMIT.max, description: `Page size; Slack's default is ${LIST_LIMIT.default}.` })),
  }),
  output: schema.Object({ channels: schema.Array(conversation) }),
  request: ({ types, exclude_archived: excludeArchived, limit }) => ({
    method: 'GET',
    path: '/conversations.list',
    query: { types, exclude_archived: excludeArchived, limit },
  }),
  pagination: cursor({
    cursorParam: 'cursor',
    items: (body) => (body as ConversationPage).channels,
    nextCursor: (body) => (body as ConversationPage).response_metadata?.next_cursor,
  }),
  response: (items) => ({ channels: items as Infer<typeof conversation>[] }),
  errors: slackError,
});
