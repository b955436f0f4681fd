import { bearer, defineConnector, schema } from '@weft/sdk';
import { authTest } from './auth-test.action.ts';
import { interactiveActions } from './interactive-actions.trigger.ts';
import { listConversations } from './list-conversations.action.ts';
import { postMessage } from './post-message.action.ts';
import { messageToPostMessage, postedMessageToMessage } from './slack.canonical.ts';

const SLACK_API = 'https://slack.com/api';

export const slack = defineConnector({
  id: 'slack',
  name: 'Slack',
  description: 'Post messages and list channels with a bot token; receive button and menu clicks (interactivity).',
  baseUrl: (config) => (typeof config.baseUrl === 'string' ? config.baseUrl : SLACK_API),
  config: schema.Object({
    baseUrl: schema.Optional(
      schema.String({ pattern: '^https?://', description: `Default ${SLACK_API}. Point it at \`weft sandbox slack\` to try flows offline.` }),
    ),
  }),
  // The bot token (xoxb-…) as the bearer token; the interactivity signing secret is the connection's webhookSecret.
  auth: [bearer()],
  // Slack limits per method and, for chat.postMessage, about one message a second per channel,
  // which a per-connection budget cannot key by channel: one a second overall is the safe
  // reading, with a small burst as Slack tolerates. conversations.list is Tier 2 (20 a minute).
  rateLimit: {
    requestsPerSecond: 1,
    burst: 3,
    concurrency: 2,
    perEndpoint: { 'list-conversations': { requestsPerSecond: 20 / 60, burst: 3 } },
  },
  testAction: 'auth-test',
  actions: [postMessage, authTest, listConversations],
  triggers: [interactiveActions],
  mappings: [messageToPostMessage, postedMessageToMessage],
});
