/**
 * Facts about Twilio's Programmable Messaging API (2010-04-01) that the connector and the sandbox
 * rely on, from Twilio's OpenAPI description (twilio_api_v2010.json), its error dictionary and
 * its webhook-signing rules, plus the seed data the sandbox starts with. Test data only: the SIDs
 * and token are made up in Twilio's formats.
 */

export const TWILIO_API_VERSION = '2010-04-01';

export const SANDBOX_ACCOUNT_SID = 'AC0000000000000000000000000000e1f7';
export const SANDBOX_AUTH_TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
export const SANDBOX_MESSAGING_SERVICE_SID = 'MG0000000000000000000000000000e1f7';
/** Twilio's test-credential "From" number that always works; the sandbox owns it for SMS and WhatsApp. */
export const SANDBOX_FROM_NUMBER = '+15005550006';

/**
 * Twilio's magic test numbers (test credentials) as "To", and the error each one gets. The
 * last entry is the sandbox's own: it is accepted, then ends undelivered (30003), so a flow can
 * see a failure arrive through the status callback.
 */
export const MAGIC_TO_NUMBERS = {
  '+15005550001': 21211,
  '+15005550002': 21612,
  '+15005550003': 21408,
  '+15005550004': 21610,
  '+15005550009': 21614,
} as const satisfies Record<string, number>;
export const UNDELIVERABLE_TO_NUMBER = '+15005550020';
export const UNREACHABLE_ERROR_CODE = 30003;

/** Twilio's error codes the connector and sandbox use, with Twilio's messages. */
export const TWILIO_ERRORS = {
  20003: { status: 401, message: 'Authenticate' },
  20404: { status: 404, message: 'The requested resource was not found' },
  20429: { status: 429, message: 'Too Many Requests' },
  21211: { status: 400, message: "Invalid 'To' Phone Number" },
  21212: { status: 400, message: "Invalid 'From' Phone Number" },
  21408: { status: 400, message: 'Permission to send an SMS has not been enabled for the region indicated by the \'To\' number' },
  21602: { status: 400, message: 'Message body is required.' },
  21603: { status: 400, message: "A 'From' phone number is required." },
  21604: { status: 400, message: "A 'To' phone number is required." },
  21606: { status: 400, message: "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account" },
  21608: { status: 400, message: 'The number is unverified. Trial accounts cannot send messages to unverified numbers' },
  21609: { status: 400, message: 'Invalid StatusCallback url' },
  21610: { status: 400, message: 'Attempt to send to unsubscribed recipient' },
  21612: { status: 400, message: "The 'To' phone number is not currently reachable via SMS" },
  21614: { status: 400, message: "'To' number is not a valid mobile number" },
  21617: { status: 400, message: 'The concatenated message body exceeds the 1600 character limit' },
  21620: { status: 400, message: 'Invalid media URL(s)' },
  21623: { status: 400, message: 'Number of media files exceeds allowed limit' },
  21910: { status: 400, message: 'Invalid From and To pair. From and To should be of the same channel' },
} as const;
export type TwilioErrorCode = keyof typeof TWILIO_ERRORS;

/** Codes that say the recipient cannot get this message: the input must change, not the timing. */
export const RECIPIENT_ERROR_CODES = [21211, 21408, 21604, 21608, 21610, 21612, 21614] as const;

/** Body limit for one (concatenated) message. */
export const MAX_BODY_LENGTH = 1600;
/** At most 10 media URLs per message. */
export const MAX_MEDIA = 10;
/** List pages: PageSize defaults to 50 and may not exceed 1000. */
export const PAGE_SIZE = { default: 50, max: 1000 } as const;

/** Message statuses Twilio reports (message_enum_status). */
export const MESSAGE_STATUSES = [
  'queued', 'sending', 'sent', 'failed', 'delivered', 'undelivered', 'receiving', 'received', 'accepted', 'scheduled', 'read', 'partially_delivered', 'canceled',
] as const;
/** The statuses a status callback reports for an outbound message. */
export const CALLBACK_STATUSES = ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'read'] as const;

/** 2026-01-01T00:00:00Z: seeded messages were sent a minute apart from here. */
export const SEED_EPOCH_MS = Date.UTC(2026, 0, 1);
/** Seven messages: three pages at PageSize 3. */
export const SEED_RECIPIENTS = ['+14155550101', '+14155550102', 'whatsapp:+14155550103', '+14155550104', '+14155550105', 'whatsapp:+14155550106', '+14155550107'] as const;
