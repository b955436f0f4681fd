import { defineTrigger } from '@weft/sdk';
import { statusCallback } from './twilio.schemas.ts';

/**
 * Twilio's StatusCallback: a form POST each time a message's status changes (queued, sent,
 * delivered, undelivered, failed, read), signed with X-Twilio-Signature over the URL Twilio
 * called and the sorted parameters, keyed with the Auth Token (the connection's webhookSecret).
 * Give the flow's public webhook URL as create-message's StatusCallback.
 */
export const statusCallbacks = defineTrigger({
  id: 'status-callbacks',
  name: 'Message status changed',
  description: 'A sent message was queued, sent, delivered, read, or failed; ErrorCode says why it failed.',
  strategy: 'webhook',
  webhook: {
    signature: { scheme: 'twilio' },
    // One message reports each status once; a retry of the same callback repeats both.
    dedupeId: (_headers, body) => {
      const { MessageSid: sid, MessageStatus: status } = (body ?? {}) as { MessageSid?: unknown; MessageStatus?: unknown };
      return typeof sid === 'string' && typeof status === 'string' ? `${sid}:${status}` : undefined;
    },
  },
  output: statusCallback,
});
