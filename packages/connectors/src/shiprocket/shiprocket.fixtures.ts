/**
 * Facts about Shiprocket's API that the connector, its sandbox and its tests share, written from
 * Shiprocket's own documentation: the Postman-hosted API reference at apidocs.shiprocket.in
 * ("Shiprocket API", sections Authentication, Orders, Couriers, Tracking, Webhooks) and the
 * support article "How to use Shiprocket's API" (support.shiprocket.in, article 43000337456:
 * base URL apiv2.shiprocket.in, tokens valid 240 hours, `Authorization: Bearer <token>`).
 * Shiprocket publishes no OpenAPI description; where its docs show no exact wording, the values
 * here are marked as ours.
 */

export const SHIPROCKET_API = 'https://apiv2.shiprocket.in';
export const LOGIN_PATH = '/v1/external/auth/login';
/** "Auth token is valid for 240 hours (10 days)". */
export const TOKEN_LIFETIME_SECONDS = 240 * 60 * 60;

/** Shiprocket's local time: every date it sends or accepts is Asia/Kolkata, which has no DST. */
export const IST_OFFSET = '+05:30';
export const IST_OFFSET_MINUTES = 330;

export const PAYMENT_METHODS = ['Prepaid', 'COD'] as const;

/**
 * Error bodies. Shiprocket runs Laravel with tymon/jwt-auth: validation failures are 422 with
 * "Oops! Invalid Data." and Laravel's per-field messages, token failures are jwt-auth's
 * exception messages, throttling is Laravel's "Too Many Attempts.". Every error body carries
 * `status_code` beside `message`.
 */
export const ERROR_MESSAGES = {
  invalidData: 'Oops! Invalid Data.',
  wrongCredentials: 'Invalid email and password combination',
  tokenExpired: 'Token has expired',
  tokenInvalid: 'Token Signature could not be verified.',
  tokenMalformed: 'Wrong number of segments',
  tokenMissing: 'Token not provided',
  tooManyAttempts: 'Too Many Attempts.',
  notFound: 'Not Found',
  serverError: 'Server Error',
  /** Tracking an AWB with no courier scans yet (or none at all): HTTP 200, track_status 0. */
  noActivities: 'Aahh! There is no activities found in our DB. Please have some patience it will be updated soon.',
  // Ours: Shiprocket's docs show no exact wording for these refusals.
  awbAlreadyAssigned: 'AWB is already assigned for this shipment',
  awbBeforePickup: 'Please assign AWB before generating pickup',
  alreadyShipped: 'Order cannot be cancelled as it has already been shipped',
  cancelled: 'Order cancelled successfully.',
  cancelledShipment: 'Shipment is cancelled',
  courierNotServiceable: 'Selected courier is not serviceable for this shipment',
} as const;

/** The login a sandbox accepts. */
export const SANDBOX_USER = { username: 'api-user@example.in', password: 'sandbox-Passw0rd' } as const;
/** The token Shiprocket sends back in `x-api-key` with each tracking webhook (you choose it in the panel). */
export const SANDBOX_WEBHOOK_TOKEN = 'sr-webhook-token-sandbox';

/** Couriers the sandbox assigns; the first is what Shiprocket "recommends" when no courier_id is given. */
export const SANDBOX_COURIERS = [
  { id: 10, name: 'Delhivery Surface' },
  { id: 43, name: 'Xpressbees Surface' },
  { id: 142, name: 'Amazon Shipping Surface 1kg' },
] as const;

export const SANDBOX_PICKUP_LOCATIONS = ['Primary', 'Warehouse Pune'] as const;

/**
 * Shiprocket's shipment status codes (API docs, "Shipment Status Codes"), by label. The track
 * answer's `shipment_status` and a scan's `sr-status` are these numbers; `sr-status-label` and
 * `current_status` are the labels (spelling varies: "Canceled"/"CANCELLED", "RTO_IN_TRANSIT").
 */
export const SHIPMENT_STATUS_CODES: Readonly<Record<number, string>> = {
  6: 'SHIPPED',
  7: 'DELIVERED',
  8: 'CANCELED',
  9: 'RTO INITIATED',
  10: 'RTO DELIVERED',
  12: 'LOST',
  13: 'PICKUP ERROR',
  14: 'RTO ACKNOWLEDGED',
  15: 'PICKUP RESCHEDULED',
  16: 'CANCELLATION REQUESTED',
  17: 'OUT FOR DELIVERY',
  18: 'IN TRANSIT',
  19: 'OUT FOR PICKUP',
  20: 'PICKUP EXCEPTION',
  21: 'UNDELIVERED',
  22: 'DELAYED',
  23: 'PARTIAL DELIVERED',
  24: 'DESTROYED',
  25: 'DAMAGED',
  26: 'FULFILLED',
  38: 'REACHED AT DESTINATION HUB',
  39: 'MISROUTED',
  40: 'RTO NDR',
  41: 'RTO OFD',
  42: 'PICKED UP',
  43: 'SELF FULFILLED',
  44: 'DISPOSED OFF',
  45: 'CANCELLED BEFORE DISPATCHED',
  46: 'RTO IN TRANSIT',
  47: 'QC FAILED',
  48: 'REACHED WAREHOUSE',
  49: 'CUSTOM CLEARED',
  50: 'IN FLIGHT',
  51: 'HANDOVER TO COURIER',
  52: 'SHIPMENT BOOKED',
  54: 'IN TRANSIT OVERSEAS',
  55: 'CONNECTION ALIGNED',
  56: 'REACHED OVERSEAS WAREHOUSE',
  57: 'CUSTOM CLEARED OVERSEAS',
  59: 'BOX PACKING',
  60: 'FC ALLOCATED',
  61: 'PICKLIST GENERATED',
  62: 'READY TO PACK',
  63: 'PACKED',
  67: 'FC MANIFEST GENERATED',
  68: 'PROCESSED AT WAREHOUSE',
  71: 'HANDOVER EXCEPTION',
  72: 'PACKED EXCEPTION',
  75: 'RTO LOCK',
  76: 'UNTRACEABLE',
  77: 'ISSUE RELATED TO THE RECIPIENT',
  78: 'REACHED BACK AT SELLER CITY',
};

/** Pre-pickup labels that appear in `current_status` and scans but not in the numeric table. */
export const PRE_PICKUP_LABELS = ['NEW', 'AWB ASSIGNED', 'LABEL GENERATED', 'PICKUP SCHEDULED', 'PICKUP GENERATED', 'PICKUP QUEUED', 'MANIFEST GENERATED'] as const;

/**
 * The tracking events the sandbox can push (`/_sandbox/webhooks/deliver` with `type`): each moves
 * a shipment on by one courier scan, as the courier's updates do, and delivers the webhook.
 */
export const SANDBOX_TRACKING_EVENTS: Readonly<Record<string, { code: number; courierStatus: string; activity: string }>> = {
  'PICKED UP': { code: 42, courierStatus: 'PKD', activity: 'Shipment picked up' },
  'IN TRANSIT': { code: 18, courierStatus: 'IT', activity: 'In transit - Bag received at facility' },
  'REACHED AT DESTINATION HUB': { code: 38, courierStatus: 'RAD', activity: 'Reached at destination hub' },
  'OUT FOR DELIVERY': { code: 17, courierStatus: 'OFD', activity: 'Out for delivery' },
  DELIVERED: { code: 7, courierStatus: 'DLVD', activity: 'Delivered to consignee' },
  UNDELIVERED: { code: 21, courierStatus: 'UD', activity: 'Consignee not available' },
  'RTO INITIATED': { code: 9, courierStatus: 'RTO', activity: 'Return to origin initiated' },
};
export const SANDBOX_EVENT_TYPES = Object.keys(SANDBOX_TRACKING_EVENTS);

/** Seed: order 1 is new, order 2 has an AWB, order 3 is picked up and moving (tracking has scans). */
export const SEED_EPOCH_MS = Date.UTC(2026, 0, 5, 4, 30, 0); // 10:00 IST
export const SEED_ORDERS = [
  { orderId: 510001, shipmentId: 509001, channelOrderId: 'WEFT-1001', stage: 'new' },
  { orderId: 510002, shipmentId: 509002, channelOrderId: 'WEFT-1002', stage: 'awb-assigned', awb: '19041424751001', courierIndex: 0 },
  { orderId: 510003, shipmentId: 509003, channelOrderId: 'WEFT-1003', stage: 'in-transit', awb: '19041424751002', courierIndex: 1 },
] as const;
