import { schema } from '@weft/sdk';
import { CALLBACK_STATUSES, MAX_BODY_LENGTH, MAX_MEDIA, MESSAGE_STATUSES } from './twilio.fixtures.ts';

/**
 * Twilio's objects with Twilio's own field names (api.v2010.account.message in the 2010-04-01
 * OpenAPI description). Twilio adds fields without a new API version, so objects stay open.
 */

const nullable = <T extends Parameters<typeof schema.Union>[0][number]>(type: T) => schema.Union([type, schema.Null()]);

/** An E.164 number, or a channel address such as whatsapp:+E.164. */
export const address = schema.String({ pattern: '^(whatsapp:)?\\+[1-9][0-9]{1,14}$', description: 'E.164 (+14155550100) or whatsapp:+E.164.' });

export const messageStatus = schema.Union(MESSAGE_STATUSES.map((status) => schema.Literal(status)));

export const message = schema.Object(
  {
    sid: schema.String({ pattern: '^(SM|MM)[0-9a-fA-F]{32}$' }),
    account_sid: schema.String({ pattern: '^AC[0-9a-fA-F]{32}$' }),
    messaging_service_sid: nullable(schema.String({ pattern: '^MG[0-9a-fA-F]{32}$' })),
    to: schema.String(),
    from: nullable(schema.String()),
    body: schema.String(),
    status: messageStatus,
    direction: schema.String({ description: 'inbound, outbound-api, outbound-call or outbound-reply' }),
    num_segments: schema.String(),
    num_media: schema.String(),
    price: nullable(schema.String()),
    price_unit: nullable(schema.String()),
    error_code: nullable(schema.Integer()),
    error_message: nullable(schema.String()),
    date_created: schema.String({ description: 'RFC 2822, GMT: "Thu, 24 Aug 2023 05:01:45 +0000".' }),
    date_updated: schema.String(),
    date_sent: nullable(schema.String()),
    api_version: schema.String(),
    uri: schema.String(),
  },
  { additionalProperties: true },
);

export const createMessageInput = schema.Object({
  To: address,
  From: schema.Optional(
    schema.String({ minLength: 1, description: 'A Twilio number (E.164 or whatsapp:+E.164), short code or alphanumeric sender id. Give From or MessagingServiceSid.' }),
  ),
  MessagingServiceSid: schema.Optional(schema.String({ pattern: '^MG[0-9a-fA-F]{32}$', description: 'Send through a Messaging Service instead of one From number.' })),
  Body: schema.Optional(schema.String({ maxLength: MAX_BODY_LENGTH, description: 'The text; required unless MediaUrl is given.' })),
  MediaUrl: schema.Optional(schema.Array(schema.String({ pattern: '^https?://' }), { minItems: 1, maxItems: MAX_MEDIA })),
  StatusCallback: schema.Optional(schema.String({ pattern: '^https?://', description: 'Where Twilio POSTs status changes (the status-callbacks trigger).' })),
});

/** What Twilio POSTs to StatusCallback, form-encoded: one string per parameter. */
export const statusCallback = schema.Object(
  {
    MessageSid: schema.String({ pattern: '^(SM|MM)[0-9a-fA-F]{32}$' }),
    MessageStatus: schema.Union(CALLBACK_STATUSES.map((status) => schema.Literal(status))),
    AccountSid: schema.String({ pattern: '^AC[0-9a-fA-F]{32}$' }),
    To: schema.String(),
    From: schema.Optional(schema.String()),
    ApiVersion: schema.Optional(schema.String()),
    SmsSid: schema.Optional(schema.String()),
    SmsStatus: schema.Optional(schema.String()),
    MessagingServiceSid: schema.Optional(schema.String()),
    ErrorCode: schema.Optional(schema.String({ pattern: '^[0-9]+$' })),
    Body: schema.Optional(schema.String({ description: 'Not in status callbacks of outbound messages; present when the sender adds it.' })),
  },
  { additionalProperties: schema.String() },
);
