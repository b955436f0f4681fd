import { basic, defineConnector, schema } from '@weft/sdk';
import { createMessage } from './create-message.action.ts';
import { getMessage } from './get-message.action.ts';
import { listMessages } from './list-messages.action.ts';
import { statusCallbacks } from './status-callbacks.trigger.ts';
import { messageToCanonical, messageToCreateMessage, statusCallbackToCanonical } from './twilio.canonical.ts';
import { TWILIO_API_VERSION } from './twilio.fixtures.ts';

const TWILIO_API = 'https://api.twilio.com';

export const twilio = defineConnector({
  id: 'twilio',
  name: 'Twilio',
  description: 'Send SMS and WhatsApp messages, read them back, and receive their delivery status callbacks.',
  // Every Messaging path sits under the account, and connector requests never see credentials,
  // so the Account SID is connection config as well as the Basic user name.
  baseUrl: (config) => {
    if (typeof config.accountSid !== 'string' || !/^AC[0-9a-fA-F]{32}$/.test(config.accountSid)) {
      throw new TypeError('a Twilio connection needs accountSid (AC followed by 32 hex digits) in its config');
    }
    const origin = typeof config.baseUrl === 'string' ? config.baseUrl.replace(/\/+$/, '') : TWILIO_API;
    return `${origin}/${TWILIO_API_VERSION}/Accounts/${config.accountSid}`;
  },
  config: schema.Object({
    accountSid: schema.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'The Account SID the messages belong to (AC…).' }),
    baseUrl: schema.Optional(
      schema.String({ pattern: '^https?://', description: `Default ${TWILIO_API}. Point it at \`weft sandbox twilio\` to try flows offline.` }),
    ),
  }),
  // Basic: username = the Account SID (or an API Key SID, SK…), password = its Auth Token (or the
  // key's secret). The Auth Token also signs status callbacks: store it as webhookSecret too.
  auth: [basic()],
  // Twilio queues messages and sends them at each sender's own pace; what it limits is API
  // concurrency per account (20429 beyond it), so the budget is mostly concurrency.
  rateLimit: { requestsPerSecond: 25, burst: 25, concurrency: 20 },
  // Reading the first page of messages proves the SID and token work and changes nothing.
  testAction: 'list-messages',
  actions: [createMessage, getMessage, listMessages],
  triggers: [statusCallbacks],
  mappings: [messageToCreateMessage, messageToCanonical, statusCallbackToCanonical],
});
