import { canonical, defineMapping, type CanonicalMessage, type Infer } from '@weft/sdk';
import { createMessageInput, message as twilioMessage, statusCallback } from './twilio.schemas.ts';

/**
 * Twilio ⇄ canonical message@1. Canonical numbers are plain E.164; Twilio writes WhatsApp
 * addresses as whatsapp:+E.164, so the prefix moves into `channel`. `ids` are keyed by the
 * connector id, "twilio"; a flow whose connection has another name re-keys them.
 */

type CreateMessageInput = Infer<typeof createMessageInput>;
type Status = NonNullable<CanonicalMessage['status']>;

const WHATSAPP = 'whatsapp:';

export const messageToCreateMessage = defineMapping({
  id: 'message-to-create-message',
  name: 'Canonical message → Send message',
  description:
    "An sms or whatsapp message to create-message's input. `from` is the sender number; without it custom.messagingServiceSid must name a Messaging Service. custom.statusCallback and custom.mediaUrls pass through.",
  direction: 'from-canonical',
  canonical: 'message@1',
  input: canonical.Message,
  output: createMessageInput,
  map: (message) => {
    if (message.channel !== 'sms' && message.channel !== 'whatsapp') {
      throw new TypeError(`Twilio sends sms and whatsapp messages; this message is for the ${message.channel} channel`);
    }
    const prefix = message.channel === 'whatsapp' ? WHATSAPP : '';
    const { messagingServiceSid, statusCallback: callback, mediaUrls } = message.custom ?? {};
    const input: CreateMessageInput = { To: prefix + e164(message.to, 'to'), Body: message.body };
    if (message.from !== undefined) input.From = prefix + e164(message.from, 'from');
    else if (typeof messagingServiceSid === 'string') input.MessagingServiceSid = messagingServiceSid;
    else throw new TypeError('a Twilio message needs `from` (a Twilio number) or custom.messagingServiceSid');
    if (typeof callback === 'string') input.StatusCallback = callback;
    if (Array.isArray(mediaUrls) && mediaUrls.every((url) => typeof url === 'string')) input.MediaUrl = mediaUrls;
    return input;
  },
});

export const messageToCanonical = defineMapping({
  id: 'message-to-canonical',
  name: 'Twilio message → canonical message',
  description: 'A message resource (create-message, get-message, list-messages) as a canonical sms or whatsapp message.',
  direction: 'to-canonical',
  canonical: 'message@1',
  input: twilioMessage,
  output: canonical.Message,
  map: (message) => {
    if (message.body === '') throw new TypeError(`Twilio message ${message.sid} has no text (media only); canonical messages need a body`);
    const channel = message.to.startsWith(WHATSAPP) ? 'whatsapp' : 'sms';
    const result: CanonicalMessage = {
      ids: { twilio: message.sid },
      channel,
      to: withoutChannel(message.to),
      body: message.body,
      status: canonicalStatus(message.status),
      custom: {
        direction: message.direction,
        numSegments: message.num_segments,
        ...(message.error_code === null ? {} : { errorCode: message.error_code, errorMessage: message.error_message }),
        ...(message.price === null ? {} : { price: message.price, priceUnit: message.price_unit }),
      },
    };
    if (message.from !== null) result.from = withoutChannel(message.from);
    const sentAt = message.date_sent ?? message.date_created;
    result.sentAt = rfc2822ToIso(sentAt, message.sid);
    return result;
  },
});

export const statusCallbackToCanonical = defineMapping({
  id: 'status-callback-to-canonical',
  name: 'Status callback → canonical message',
  description:
    "A status-callbacks event as a canonical message carrying the new status. Twilio's callbacks for outbound messages carry no text, and message@1 requires a body: the callback must include Body (add it in the flow, e.g. from get-message), or the mapping fails.",
  direction: 'to-canonical',
  canonical: 'message@1',
  input: statusCallback,
  output: canonical.Message,
  map: (callback) => {
    if (callback.Body === undefined || callback.Body === '') {
      throw new TypeError(`the status callback for ${callback.MessageSid} carries no Body, which a canonical message requires; fetch the message with get-message and map that`);
    }
    const result: CanonicalMessage = {
      ids: { twilio: callback.MessageSid },
      channel: callback.To.startsWith(WHATSAPP) ? 'whatsapp' : 'sms',
      to: withoutChannel(callback.To),
      body: callback.Body,
      status: canonicalStatus(callback.MessageStatus),
      custom: { twilioStatus: callback.MessageStatus, ...(callback.ErrorCode === undefined ? {} : { errorCode: Number(callback.ErrorCode) }) },
    };
    if (callback.From !== undefined) result.from = withoutChannel(callback.From);
    return result;
  },
});

/** Twilio has 13 statuses; canonical has 5. Undelivered and canceled messages did not arrive: failed. */
function canonicalStatus(status: string): Status {
  switch (status) {
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'received':
    case 'partially_delivered':
      return 'delivered';
    case 'read':
      return 'read';
    case 'failed':
    case 'undelivered':
    case 'canceled':
      return 'failed';
    default:
      return 'queued';
  }
}

function withoutChannel(address: string): string {
  return address.startsWith(WHATSAPP) ? address.slice(WHATSAPP.length) : address;
}

function e164(value: string, field: string): string {
  if (!/^\+[1-9][0-9]{1,14}$/.test(value)) throw new TypeError(`${field} must be an E.164 number like +14155550100, got ${JSON.stringify(value)}`);
  return value;
}

/** "Thu, 24 Aug 2023 05:01:45 +0000" → "2023-08-24T05:01:45.000Z". */
function rfc2822ToIso(value: string, sid: string): string {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new TypeError(`Twilio message ${sid} has an unreadable date ${JSON.stringify(value)}`);
  return new Date(at).toISOString();
}
