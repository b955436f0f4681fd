/**
 * Facts about FedEx's REST APIs that the connector and sandbox reproduce, taken from FedEx's
 * OpenAPI files (authorization, ship and track v1, as downloaded from developer.fedex.com), its
 * rate-limit guide and its Advanced Integrated Visibility (AIV) webhook rules, plus the seed data
 * the sandbox starts with. Everything here is test data: no real account, key or token.
 */

export const FEDEX_PRODUCTION_URL = 'https://apis.fedex.com';
export const FEDEX_TEST_URL = 'https://apis-sandbox.fedex.com';

/** What `weft sandbox fedex` prints and the tests use; made up, shaped like FedEx's. */
export const SANDBOX_CLIENT_ID = 'l7weftsandbox0000000000000000000000';
export const SANDBOX_CLIENT_SECRET = 'weftsandboxsecret00000000000000000';
/** FedEx account numbers are 9 digits. */
export const SANDBOX_ACCOUNT_NUMBER = '740561073';
/** The AIV webhook project's "security token": the key of the fdx-signature HMAC. */
export const SANDBOX_WEBHOOK_SECURITY_TOKEN = 'fdx-sandbox-security-token-000000';

/** POST /oauth/token answers `expires_in: 3599` (the spec documents "one hour") and scope CXS. */
export const TOKEN_LIFETIME_SECONDS = 3599;
export const TOKEN_SCOPE = 'CXS';
/** The grant this connector uses; csp_credentials and client_pc_credentials also need child keys. */
export const CLIENT_CREDENTIALS_GRANT = 'client_credentials';

/**
 * FedEx's per-project rate limit: 1400 transactions in any 10-second window, then "429 Too many
 * requests" for the rest of that window (developer.fedex.com/api/en-us/guides/ratelimits).
 */
export const RATE_LIMIT = { requests: 1400, windowMs: 10_000 } as const;

/** The AIV webhook signature: base64(HMAC-SHA256(security token, raw body)) in this header. */
export const SIGNATURE_HEADER = 'fdx-signature';

/**
 * FedEx's error codes and sentences. The 401/403/404/500/503 and the named 400 codes are the
 * spec's own examples; INVALID.INPUT.EXCEPTION is what FedEx answers for a field that fails its
 * schema; the 429 sentence is the rate-limit guide's (FedEx publishes no code for it, so the
 * sandbox uses TOO.MANY.REQUESTS).
 */
export const FEDEX_ERRORS = {
  badClientCredentials: { code: 'NOT.AUTHORIZED.ERROR', message: 'The given client credentials were not valid. Please modify your request and try again.' },
  tokenExpired: { code: 'NOT.AUTHORIZED.ERROR', message: 'Access token expired. Please modify your request and try again.' },
  forbidden: { code: 'FORBIDDEN.ERROR', message: 'We could not authorize your credentials. Please check your permissions and try again.' },
  notFound: { code: 'NOT.FOUND.ERROR', message: 'The resource you requested is no longer available. Please modify your request and try again.' },
  internal: {
    code: 'INTERNAL.SERVER.ERROR',
    message: 'We encountered an unexpected error and are working to resolve the issue. We apologize for any inconvenience. Please check back at a later time.',
  },
  unavailable: {
    code: 'SERVICE.UNAVAILABLE.ERROR',
    message: 'The service is currently unavailable and we are working to resolve the issue. We apologize for any inconvenience. Please check back at a later time.',
  },
  tooManyRequests: { code: 'TOO.MANY.REQUESTS', message: 'We have received too many requests in a short duration. Please wait a while to try again.' },
  invalidInput: { code: 'INVALID.INPUT.EXCEPTION', message: 'Invalid field value in the input' },
  accountRequired: {
    code: 'ACCOUNTNUMBER.REGISTRATION.REQUIRED',
    message: 'Please enter a valid 9-digit FedEx account number or register for a new FedEx account number.',
  },
  shipmentUserUnauthorized: { code: 'SHIPMENT.USER.UNAUTHORIZED', message: 'Requested user is not authorized to perform the operation.' },
  trackingNumberEmpty: { code: 'TRACKING.TRACKINGNUMBER.EMPTY', message: 'Please provide tracking number.' },
  /** Not an HTTP error: FedEx answers 200 and puts this inside the track result. */
  trackingNumberNotFound: {
    code: 'TRACKING.TRACKINGNUMBER.NOTFOUND',
    message: "The tracking number you entered can't be found right now. Please check the number with the shipper or try again later.",
  },
} as const;

export type FedexErrorFact = (typeof FEDEX_ERRORS)[keyof typeof FEDEX_ERRORS];

/** Enumerations of the create-shipment request (Full_Schema_Ship). */
export const PICKUP_TYPES = ['CONTACT_FEDEX_TO_SCHEDULE', 'DROPOFF_AT_FEDEX_LOCATION', 'USE_SCHEDULED_PICKUP'] as const;
export const LABEL_RESPONSE_OPTIONS = ['URL_ONLY', 'LABEL'] as const;
export const LABEL_IMAGE_TYPES = ['ZPLII', 'EPL2', 'PDF', 'PNG'] as const;
export const PAYMENT_TYPES = ['SENDER', 'RECIPIENT', 'THIRD_PARTY', 'COLLECT'] as const;
export const WEIGHT_UNITS = ['KG', 'LB'] as const;
export const LABEL_STOCK_TYPES = [
  'PAPER_4X6', 'STOCK_4X675', 'PAPER_4X675', 'PAPER_4X8', 'PAPER_4X9', 'PAPER_7X475', 'PAPER_85X11_BOTTOM_HALF_LABEL',
  'PAPER_85X11_TOP_HALF_LABEL', 'PAPER_LETTER', 'STOCK_4X675_LEADING_DOC_TAB', 'STOCK_4X8', 'STOCK_4X9_LEADING_DOC_TAB', 'STOCK_4X6',
  'STOCK_4X675_TRAILING_DOC_TAB', 'STOCK_4X9_TRAILING_DOC_TAB', 'STOCK_4X9', 'STOCK_4X85_TRAILING_DOC_TAB', 'STOCK_4X105_TRAILING_DOC_TAB',
] as const;

/** At most this many tracking numbers in one track request (TrackingInfo: "Maximum limit is 30"). */
export const MAX_TRACKING_NUMBERS = 30;

/**
 * Service types the sandbox knows, with their operating company's carrier code (what tracking
 * reports) and service name. FedEx's full list is a documentation page, not part of the spec.
 */
export const SERVICE_TYPES: Readonly<Record<string, { carrierCode: 'FDXE' | 'FDXG'; name: string }>> = {
  FEDEX_GROUND: { carrierCode: 'FDXG', name: 'FedEx Ground' },
  GROUND_HOME_DELIVERY: { carrierCode: 'FDXG', name: 'FedEx Home Delivery' },
  SMART_POST: { carrierCode: 'FDXG', name: 'FedEx Ground Economy' },
  STANDARD_OVERNIGHT: { carrierCode: 'FDXE', name: 'FedEx Standard Overnight' },
  PRIORITY_OVERNIGHT: { carrierCode: 'FDXE', name: 'FedEx Priority Overnight' },
  FIRST_OVERNIGHT: { carrierCode: 'FDXE', name: 'FedEx First Overnight' },
  FEDEX_2_DAY: { carrierCode: 'FDXE', name: 'FedEx 2Day' },
  FEDEX_2_DAY_AM: { carrierCode: 'FDXE', name: 'FedEx 2Day AM' },
  FEDEX_EXPRESS_SAVER: { carrierCode: 'FDXE', name: 'FedEx Express Saver' },
  FEDEX_INTERNATIONAL_PRIORITY: { carrierCode: 'FDXE', name: 'FedEx International Priority' },
  INTERNATIONAL_ECONOMY: { carrierCode: 'FDXE', name: 'FedEx International Economy' },
};

/**
 * Scan event types the sandbox records, with the derived status FedEx reports beside them
 * (latestStatusDetail.derivedCode / scanEvents[].derivedStatusCode). These are also the event
 * types its AIV webhooks can send (`/_sandbox/webhooks/deliver` with `type`).
 */
export const SCAN_EVENTS = {
  OC: { description: 'Shipment information sent to FedEx', derivedCode: 'IN', derivedStatus: 'Label created' },
  PU: { description: 'Picked up', derivedCode: 'PU', derivedStatus: 'Picked up' },
  AR: { description: 'Arrived at FedEx location', derivedCode: 'IT', derivedStatus: 'In transit' },
  DP: { description: 'Departed FedEx location', derivedCode: 'IT', derivedStatus: 'In transit' },
  IT: { description: 'In transit', derivedCode: 'IT', derivedStatus: 'In transit' },
  OD: { description: 'On FedEx vehicle for delivery', derivedCode: 'OD', derivedStatus: 'Out for delivery' },
  DL: { description: 'Delivered', derivedCode: 'DL', derivedStatus: 'Delivered' },
  DE: { description: 'Delivery exception', derivedCode: 'DE', derivedStatus: 'Delivery exception' },
  CA: { description: 'Shipment cancelled by sender', derivedCode: 'CA', derivedStatus: 'Cancelled' },
} as const;

export type ScanEventType = keyof typeof SCAN_EVENTS;

/** What a sandbox webhook can report; OC comes from creating and CA from cancelling a shipment. */
export const FEDEX_WEBHOOK_EVENT_TYPES = ['PU', 'AR', 'DP', 'IT', 'OD', 'DL', 'DE'] as const satisfies readonly ScanEventType[];

/** 2026-01-05T09:00:00Z: the seeded shipments' first scan. */
export const SEED_EPOCH_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Shipments the sandbox starts with, so tracking works before anything is created. */
export const SEED_SHIPMENTS = [
  { trackingNumber: '794900000011', serviceType: 'FEDEX_GROUND', scans: ['OC', 'PU', 'AR', 'DP', 'OD', 'DL'] },
  { trackingNumber: '794900000022', serviceType: 'PRIORITY_OVERNIGHT', scans: ['OC', 'PU', 'IT'] },
] as const satisfies readonly { trackingNumber: string; serviceType: string; scans: readonly ScanEventType[] }[];

/** A test vector for the fdx-signature scheme, computed once with node:crypto and written down. */
export const SIGNATURE_VECTOR = {
  securityToken: 'fdx-test-security-token',
  rawBody:
    '{"transactionId":"vector-1","output":{"completeTrackResults":[{"trackingNumber":"794900000001","trackResults":[{"trackingNumberInfo":{"trackingNumber":"794900000001","carrierCode":"FDXE","trackingNumberUniqueId":"12024~794900000001~FDEG"},"latestStatusDetail":{"code":"DL","derivedCode":"DL","statusByLocale":"Delivered","description":"Delivered"},"scanEvents":[]}]}]}}',
  signature: 'rCkOdRHw3ujRtrPWpViQGjk7NfhLq8JYmtgGj4Bi5Ow=',
} as const;
