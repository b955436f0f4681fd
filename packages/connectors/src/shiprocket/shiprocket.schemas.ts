import { schema, type Infer } from '@weft/sdk';
import { PAYMENT_METHODS } from './shiprocket.fixtures.ts';

/**
 * Shiprocket's objects as its API reference documents them (apidocs.shiprocket.in). Requests
 * are closed where Shiprocket validates them; answers are open (additionalProperties), because
 * Shiprocket adds fields without notice and an answer must not fail over one we do not read.
 */

const open = { additionalProperties: true } as const;
const text = (max: number, description?: string) => schema.String({ minLength: 1, maxLength: max, ...(description === undefined ? {} : { description }) });
const optionalText = (max: number) => schema.Optional(schema.String({ maxLength: max }));
const positive = (description: string) => schema.Number({ exclusiveMinimum: 0, description });
/** Shiprocket ids are integers; some answers send them as strings, and a blank for "none yet". */
const looseId = schema.Union([schema.Integer(), schema.String(), schema.Null()]);

export const pincode = schema.String({ pattern: '^[1-9][0-9]{5}$', description: 'Indian PIN code, 6 digits.' });
// A pattern rather than `format: 'email'`, so every validator (TypeBox's included) checks it the same way.
export const email = schema.String({ pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', maxLength: 254 });
export const phone = schema.String({ pattern: '^[0-9]{10}$', description: '10 digits, no country code.' });

export const orderItem = schema.Object(
  {
    name: text(255),
    sku: text(255),
    units: schema.Integer({ minimum: 1 }),
    selling_price: schema.Number({ minimum: 0, description: 'Price of one unit, INR, tax included.' }),
    discount: schema.Optional(schema.Number({ minimum: 0, description: 'Discount on one unit, INR.' })),
    tax: schema.Optional(schema.Number({ minimum: 0, description: 'Tax rate in percent (not an amount).' })),
    hsn: schema.Optional(schema.Union([schema.Integer(), schema.String()])),
  },
  { additionalProperties: false },
);

/** POST /v1/external/orders/create/adhoc. */
export const createOrderInput = schema.Object(
  {
    order_id: text(50, 'Your own order reference (the channel order id); Shiprocket answers with its own numeric order_id.'),
    order_date: schema.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}$', description: 'India time, "YYYY-MM-DD HH:mm".' }),
    pickup_location: text(255, 'The nickname of a pickup address registered in the Shiprocket panel, e.g. "Primary".'),
    channel_id: schema.Optional(schema.Integer()),
    comment: optionalText(500),
    billing_customer_name: text(255),
    billing_last_name: optionalText(255),
    billing_address: text(255),
    billing_address_2: optionalText(255),
    billing_city: text(255),
    billing_pincode: pincode,
    billing_state: text(255),
    billing_country: text(255, 'The country name, e.g. "India".'),
    billing_email: email,
    billing_phone: phone,
    shipping_is_billing: schema.Boolean(),
    shipping_customer_name: schema.Optional(text(255)),
    shipping_last_name: optionalText(255),
    shipping_address: schema.Optional(text(255)),
    shipping_address_2: optionalText(255),
    shipping_city: schema.Optional(text(255)),
    shipping_pincode: schema.Optional(pincode),
    shipping_country: schema.Optional(text(255)),
    shipping_state: schema.Optional(text(255)),
    shipping_email: schema.Optional(email),
    shipping_phone: schema.Optional(phone),
    order_items: schema.Array(orderItem, { minItems: 1 }),
    payment_method: schema.Union(PAYMENT_METHODS.map((method) => schema.Literal(method))),
    shipping_charges: schema.Optional(schema.Number({ minimum: 0 })),
    giftwrap_charges: schema.Optional(schema.Number({ minimum: 0 })),
    transaction_charges: schema.Optional(schema.Number({ minimum: 0 })),
    total_discount: schema.Optional(schema.Number({ minimum: 0 })),
    sub_total: schema.Number({ minimum: 0, description: 'The items\' total, INR.' }),
    length: positive('cm'),
    breadth: positive('cm'),
    height: positive('cm'),
    weight: positive('kg'),
  },
  { additionalProperties: false },
);
export type CreateOrderInput = Infer<typeof createOrderInput>;

export const createOrderOutput = schema.Object(
  {
    order_id: schema.Integer({ description: 'Shiprocket\'s order id (cancel takes it).' }),
    shipment_id: schema.Integer({ description: 'Shiprocket\'s shipment id (assign AWB and pickup take it).' }),
    status: schema.String({ description: '"NEW" for a new order.' }),
    status_code: schema.Integer(),
    onboarding_completed_now: schema.Optional(schema.Integer()),
    awb_code: schema.Union([schema.String(), schema.Null()]),
    courier_company_id: looseId,
    courier_name: schema.Union([schema.String(), schema.Null()]),
  },
  open,
);

/** POST /v1/external/courier/assign/awb. */
export const assignAwbInput = schema.Object(
  {
    shipment_id: schema.Integer({ minimum: 1 }),
    courier_id: schema.Optional(schema.Integer({ minimum: 1, description: 'Default: Shiprocket\'s recommended courier.' })),
    status: schema.Optional(schema.Literal('reassign', { description: 'To change the courier of a shipment that already has an AWB.' })),
  },
  { additionalProperties: false },
);

export const assignAwbOutput = schema.Object(
  {
    awb_assign_status: schema.Literal(1),
    response: schema.Object(
      {
        data: schema.Object(
          {
            awb_code: schema.String({ minLength: 1 }),
            courier_company_id: schema.Integer(),
            courier_name: schema.String(),
            shipment_id: schema.Integer(),
            order_id: schema.Optional(schema.Integer()),
            assigned_date_time: schema.Optional(schema.Object({ date: schema.String() }, open)),
            applied_weight: schema.Optional(schema.Number()),
            pickup_scheduled_date: schema.Optional(schema.Union([schema.String(), schema.Null()])),
          },
          open,
        ),
      },
      open,
    ),
  },
  open,
);

/** POST /v1/external/courier/generate/pickup. */
export const generatePickupInput = schema.Object(
  { shipment_id: schema.Array(schema.Integer({ minimum: 1 }), { minItems: 1, uniqueItems: true }) },
  { additionalProperties: false },
);

export const generatePickupOutput = schema.Object(
  {
    pickup_status: schema.Literal(1),
    response: schema.Object(
      {
        pickup_scheduled_date: schema.String(),
        pickup_token_number: schema.String(),
        status: schema.Integer(),
        data: schema.String(),
      },
      open,
    ),
  },
  open,
);

/** POST /v1/external/orders/cancel. */
export const cancelOrdersInput = schema.Object(
  { ids: schema.Array(schema.Integer({ minimum: 1 }), { minItems: 1, uniqueItems: true, description: 'Shiprocket order ids (create-order\'s order_id).' }) },
  { additionalProperties: false },
);
export const cancelOrdersOutput = schema.Object({ message: schema.String() }, open);

export const trackActivity = schema.Object(
  {
    date: schema.String({ description: 'India time, "YYYY-MM-DD HH:mm:ss".' }),
    status: schema.String({ description: 'The courier\'s own scan code.' }),
    activity: schema.String(),
    location: schema.String(),
    'sr-status': schema.Optional(schema.Union([schema.String(), schema.Integer()], { description: 'Shiprocket\'s status code, or "NA".' })),
    'sr-status-label': schema.Optional(schema.String()),
  },
  open,
);

export const shipmentTrack = schema.Object(
  {
    id: schema.Optional(schema.Integer()),
    awb_code: schema.String(),
    courier_company_id: schema.Optional(looseId),
    shipment_id: schema.Optional(schema.Integer()),
    order_id: schema.Optional(schema.Integer()),
    pickup_date: schema.Optional(schema.Union([schema.String(), schema.Null()])),
    delivered_date: schema.Optional(schema.Union([schema.String(), schema.Null()])),
    weight: schema.Optional(schema.String()),
    packages: schema.Optional(schema.Integer()),
    current_status: schema.String(),
    delivered_to: schema.Optional(schema.String()),
    destination: schema.Optional(schema.String()),
    origin: schema.Optional(schema.String()),
    courier_name: schema.Optional(schema.String()),
    edd: schema.Optional(schema.Union([schema.String(), schema.Null()])),
  },
  open,
);

/** GET /v1/external/courier/track/awb/{awb}. */
export const trackResponse = schema.Object(
  {
    tracking_data: schema.Object(
      {
        track_status: schema.Integer({ description: '1 with scans, 0 without (then `error` says so).' }),
        shipment_status: schema.Integer(),
        shipment_track: schema.Array(shipmentTrack),
        shipment_track_activities: schema.Union([schema.Array(trackActivity), schema.Null()]),
        track_url: schema.String(),
        etd: schema.Optional(schema.Union([schema.String(), schema.Null()])),
        error: schema.Optional(schema.String()),
      },
      open,
    ),
  },
  open,
);
export type TrackResponse = Infer<typeof trackResponse>;

/**
 * A tracking webhook (panel: Settings → API → Webhooks). Shiprocket signs nothing: the only
 * guard is the token you set there, sent back in the `x-api-key` header.
 */
export const trackingWebhook = schema.Object(
  {
    awb: schema.String({ minLength: 1 }),
    courier_name: schema.String(),
    current_status: schema.String(),
    current_status_id: schema.Integer(),
    shipment_status: schema.String(),
    shipment_status_id: schema.Integer(),
    current_timestamp: schema.String({ description: 'India time, "DD MM YYYY HH:mm:ss".' }),
    order_id: schema.String({ description: 'Your order reference (create-order\'s order_id).' }),
    sr_order_id: schema.Integer({ description: 'Shiprocket\'s order id.' }),
    awb_assigned_date: schema.Optional(schema.Union([schema.String(), schema.Null()])),
    pickup_scheduled_date: schema.Optional(schema.Union([schema.String(), schema.Null()])),
    etd: schema.Optional(schema.Union([schema.String(), schema.Null()])),
    scans: schema.Array(trackActivity),
    is_return: schema.Integer(),
    channel_id: schema.Optional(schema.Integer()),
    pod_status: schema.Optional(schema.String()),
    pod: schema.Optional(schema.String()),
  },
  open,
);
export type TrackingWebhook = Infer<typeof trackingWebhook>;
