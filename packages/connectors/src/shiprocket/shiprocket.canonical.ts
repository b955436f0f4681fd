import { canonical, defineMapping, schema, type CanonicalAddress, type CanonicalOrder, type CanonicalShipment } from '@weft/sdk';
import { createOrder } from './create-order.action.ts';
import { PAYMENT_METHODS, PRE_PICKUP_LABELS, SHIPMENT_STATUS_CODES } from './shiprocket.fixtures.ts';
import { trackResponse, trackingWebhook, type CreateOrderInput, type TrackResponse, type TrackingWebhook } from './shiprocket.schemas.ts';
import { fromShiprocketTime, toShiprocketOrderDate } from './shiprocket.time.ts';

/**
 * Shiprocket ⇄ canonical. To canonical: the track answer and the tracking webhook become a
 * shipment@1 (carrier "shiprocket", the courier as its service, every scan an event). From
 * canonical: an order@1, plus the parcel and pickup address the canonical order does not carry,
 * becomes create-order's input.
 */

const CARRIER = 'shiprocket';
type ShipmentStatus = CanonicalShipment['status'];

// ---------------------------------------------------------------- statuses

const STATUS_BY_LABEL: Readonly<Record<string, ShipmentStatus>> = {
  ...Object.fromEntries(PRE_PICKUP_LABELS.map((label) => [label, 'label-created' as const])),
  'OUT FOR PICKUP': 'label-created',
  'PICKUP RESCHEDULED': 'label-created',
  'SHIPMENT BOOKED': 'label-created',
  'BOX PACKING': 'label-created',
  'FC ALLOCATED': 'label-created',
  'PICKLIST GENERATED': 'label-created',
  'READY TO PACK': 'label-created',
  PACKED: 'label-created',
  'FC MANIFEST GENERATED': 'label-created',
  'PROCESSED AT WAREHOUSE': 'label-created',
  SHIPPED: 'in-transit',
  'PICKED UP': 'in-transit',
  'IN TRANSIT': 'in-transit',
  'REACHED AT DESTINATION HUB': 'in-transit',
  'REACHED DESTINATION HUB': 'in-transit',
  DELAYED: 'in-transit',
  MISROUTED: 'in-transit',
  'REACHED WAREHOUSE': 'in-transit',
  'CUSTOM CLEARED': 'in-transit',
  'IN FLIGHT': 'in-transit',
  'HANDOVER TO COURIER': 'in-transit',
  'IN TRANSIT OVERSEAS': 'in-transit',
  'CONNECTION ALIGNED': 'in-transit',
  'REACHED OVERSEAS WAREHOUSE': 'in-transit',
  'CUSTOM CLEARED OVERSEAS': 'in-transit',
  'OUT FOR DELIVERY': 'out-for-delivery',
  DELIVERED: 'delivered',
  'PARTIAL DELIVERED': 'delivered',
  FULFILLED: 'delivered',
  'SELF FULFILLED': 'delivered',
  UNDELIVERED: 'exception',
  LOST: 'exception',
  'PICKUP ERROR': 'exception',
  'PICKUP EXCEPTION': 'exception',
  DESTROYED: 'exception',
  DAMAGED: 'exception',
  'DISPOSED OFF': 'exception',
  'QC FAILED': 'exception',
  'HANDOVER EXCEPTION': 'exception',
  'PACKED EXCEPTION': 'exception',
  UNTRACEABLE: 'exception',
  'ISSUE RELATED TO THE RECIPIENT': 'exception',
  'RTO INITIATED': 'returned',
  'RTO IN TRANSIT': 'returned',
  'RTO DELIVERED': 'returned',
  'RTO ACKNOWLEDGED': 'returned',
  'RTO NDR': 'returned',
  'RTO OFD': 'returned',
  'RTO LOCK': 'returned',
  'REACHED BACK AT SELLER CITY': 'returned',
  CANCELED: 'cancelled',
  CANCELLED: 'cancelled',
  'CANCELLATION REQUESTED': 'cancelled',
  'CANCELLED BEFORE DISPATCHED': 'cancelled',
};

/** "Partial_Delivered", "rto-in-transit", " In Transit " → one spelling. */
function normaliseLabel(label: string): string {
  return label.trim().toUpperCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');
}

/**
 * A Shiprocket status (its label, else its numeric code) as a canonical shipment status, or
 * undefined for "NA", the scans Shiprocket did not classify. A status we have never seen is an
 * error, not a guess: a shipment reported "in transit" when it is lost is worse than a failed step.
 */
export function shipmentStatusOf(label: string | undefined, code?: number | string): ShipmentStatus | undefined {
  const normalised = label === undefined ? '' : normaliseLabel(label);
  if (normalised !== '' && normalised !== 'NA') {
    const byLabel = STATUS_BY_LABEL[normalised];
    if (byLabel !== undefined) return byLabel;
  }
  const numeric = typeof code === 'number' ? code : code !== undefined && /^\d+$/.test(code) ? Number(code) : undefined;
  const codeLabel = numeric === undefined ? undefined : SHIPMENT_STATUS_CODES[numeric];
  if (codeLabel !== undefined) return STATUS_BY_LABEL[codeLabel];
  if (normalised === '' || normalised === 'NA') return undefined;
  throw new TypeError(`Shiprocket status ${JSON.stringify(label)}${numeric === undefined ? '' : ` (${numeric})`} has no canonical shipment status; add it to shiprocket.canonical.ts`);
}

type Scan = NonNullable<TrackResponse['tracking_data']['shipment_track_activities']>[number];

/**
 * Scans oldest first, each with a canonical status. A scan Shiprocket left unclassified ("NA")
 * keeps the status of the scan before it: such scans are the courier's hops between milestones.
 */
function trackingEvents(scans: readonly Scan[]): NonNullable<CanonicalShipment['events']> {
  const dated = scans.map((scan, index) => ({ scan, index, at: fromShiprocketTime(scan.date, 'scan date') }));
  const oldestFirst = dated.filter((entry): entry is typeof entry & { at: string } => entry.at !== undefined).sort((a, b) => a.at.localeCompare(b.at) || b.index - a.index);
  let previous: ShipmentStatus = 'label-created';
  return oldestFirst.map(({ scan, at }) => {
    const status = shipmentStatusOf(scan['sr-status-label'], scan['sr-status']) ?? previous;
    previous = status;
    return {
      at,
      status,
      ...(scan.activity.trim() === '' ? {} : { description: scan.activity.trim() }),
      ...(scan.location.trim() === '' ? {} : { location: scan.location.trim() }),
    };
  });
}

function milestone(events: NonNullable<CanonicalShipment['events']>, status: ShipmentStatus): string | undefined {
  return events.find((event) => event.status === status)?.at;
}

function firstMovement(events: NonNullable<CanonicalShipment['events']>): string | undefined {
  return events.find((event) => event.status !== 'label-created' && event.status !== 'cancelled')?.at;
}

function urlOrUndefined(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    // Shiprocket's links carry a doubled slash ("shiprocket.co//tracking/…"); they still resolve.
    return new URL(value.trim()).href;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- to canonical

export const trackingToShipment = defineMapping({
  id: 'tracking-to-shipment',
  name: 'Shiprocket tracking → canonical shipment',
  description: 'The track-awb answer as a shipment@1: status, courier, tracking URL and every scan as an event.',
  direction: 'to-canonical',
  canonical: 'shipment@1',
  input: trackResponse,
  output: canonical.Shipment,
  map: ({ tracking_data: data }) => {
    const track = data.shipment_track[0];
    if (data.track_status !== 1 || track === undefined || track.awb_code === '') {
      throw new TypeError(`the tracking answer has no shipment to map${data.error === undefined ? '' : `: ${data.error}`}`);
    }
    const events = trackingEvents(data.shipment_track_activities ?? []);
    const status = shipmentStatusOf(track.current_status, data.shipment_status) ?? events.at(-1)?.status ?? 'label-created';
    const shippedAt = fromShiprocketTime(track.pickup_date, 'pickup_date') ?? firstMovement(events);
    const deliveredAt = status === 'delivered' ? (fromShiprocketTime(track.delivered_date, 'delivered_date') ?? milestone(events, 'delivered')) : undefined;
    const trackingUrl = urlOrUndefined(data.track_url);
    const etd = fromShiprocketTime(data.etd ?? undefined, 'etd');
    return {
      ...(track.shipment_id === undefined || track.shipment_id === 0 ? {} : { ids: { [CARRIER]: String(track.shipment_id) } }),
      ...(track.order_id === undefined || track.order_id === 0 ? {} : { orderIds: { [CARRIER]: String(track.order_id) } }),
      carrier: CARRIER,
      ...(track.courier_name === undefined || track.courier_name === '' ? {} : { service: track.courier_name.slice(0, 64) }),
      trackingNumber: track.awb_code,
      ...(trackingUrl === undefined ? {} : { trackingUrl }),
      status,
      ...(shippedAt === undefined ? {} : { shippedAt }),
      ...(deliveredAt === undefined ? {} : { deliveredAt }),
      events,
      ...(etd === undefined ? {} : { custom: { estimatedDeliveryAt: etd } }),
    };
  },
});

export const webhookToShipment = defineMapping({
  id: 'webhook-to-shipment',
  name: 'Shiprocket tracking webhook → canonical shipment',
  description: 'A tracking webhook as a shipment@1: the current status and every scan it carries as an event.',
  direction: 'to-canonical',
  canonical: 'shipment@1',
  input: trackingWebhook,
  output: canonical.Shipment,
  map: (hook: TrackingWebhook) => {
    const events = trackingEvents(hook.scans);
    const status = shipmentStatusOf(hook.current_status, hook.shipment_status_id) ?? shipmentStatusOf(hook.shipment_status) ?? events.at(-1)?.status ?? 'label-created';
    const shippedAt = firstMovement(events);
    const deliveredAt = status === 'delivered' ? (milestone(events, 'delivered') ?? fromShiprocketTime(hook.current_timestamp, 'current_timestamp')) : undefined;
    const etd = fromShiprocketTime(hook.etd ?? undefined, 'etd');
    return {
      orderIds: { [CARRIER]: String(hook.sr_order_id) },
      carrier: CARRIER,
      ...(hook.courier_name === '' ? {} : { service: hook.courier_name.slice(0, 64) }),
      trackingNumber: hook.awb,
      status,
      ...(shippedAt === undefined ? {} : { shippedAt }),
      ...(deliveredAt === undefined ? {} : { deliveredAt }),
      events,
      custom: {
        channelOrderId: hook.order_id,
        isReturn: hook.is_return === 1,
        ...(etd === undefined ? {} : { estimatedDeliveryAt: etd }),
      },
    };
  },
});

// ---------------------------------------------------------------- from canonical

const lengthCm = schema.Object({ value: canonical.Decimal, unit: schema.Literal('cm') }, { additionalProperties: false });

export const orderToCreateOrder = defineMapping({
  id: 'order-to-create-order',
  name: 'Canonical order → Shiprocket create order',
  description:
    'An INR order@1 as create-order\'s input: the billing address (else the shipping address), shipping_is_billing when they match, one item per line. The parcel and pickup location come beside the order: the canonical order has neither.',
  direction: 'from-canonical',
  canonical: 'order@1',
  input: schema.Object(
    {
      order: canonical.Order,
      pickupLocation: schema.String({ minLength: 1, description: 'The pickup address\'s nickname in Shiprocket, e.g. "Primary".' }),
      parcel: schema.Object(
        {
          length: lengthCm,
          breadth: lengthCm,
          height: lengthCm,
          weight: schema.Object({ value: canonical.Decimal, unit: schema.Literal('kg') }, { additionalProperties: false }),
        },
        { additionalProperties: false },
      ),
      paymentMethod: schema.Optional(schema.Union(PAYMENT_METHODS.map((method) => schema.Literal(method)), { description: 'Default: COD when the order is unpaid (financialStatus pending), else Prepaid.' })),
    },
    { additionalProperties: false },
  ),
  output: createOrder.input,
  map: ({ order, pickupLocation, parcel, paymentMethod }) => {
    if (order.currency !== 'INR') throw new TypeError(`Shiprocket takes amounts in INR; the order is in ${order.currency}`);
    const billing = order.billingAddress ?? order.shippingAddress;
    if (billing === undefined) throw new TypeError('the order has neither a billing nor a shipping address');
    const shipping = order.shippingAddress ?? billing;
    const email = order.customer.email;
    if (email === undefined) throw new TypeError('the order\'s customer has no email, which Shiprocket requires (billing_email)');
    const billingName = personName(billing, order.customer.firstName, order.customer.lastName);
    const billingFields: Pick<CreateOrderInput, 'billing_customer_name' | 'billing_address' | 'billing_city' | 'billing_pincode' | 'billing_state' | 'billing_country' | 'billing_email' | 'billing_phone'> &
      Partial<CreateOrderInput> = {
      billing_customer_name: billingName.first,
      ...(billingName.last === undefined ? {} : { billing_last_name: billingName.last }),
      billing_address: billing.lines[0]!,
      ...(billing.lines.length > 1 ? { billing_address_2: billing.lines.slice(1).join(', ') } : {}),
      billing_city: billing.city,
      billing_pincode: pincodeOf(billing, 'billing'),
      billing_state: stateOf(billing, 'billing'),
      billing_country: countryName(billing.country),
      billing_email: email,
      billing_phone: phoneOf(billing.phone ?? order.customer.phone, 'billing'),
    };
    const shippingIsBilling = sameAddress(billing, shipping);
    const shippingName = personName(shipping, order.customer.firstName, order.customer.lastName);
    return {
      order_id: order.number.slice(0, 50),
      order_date: toShiprocketOrderDate(order.placedAt),
      pickup_location: pickupLocation,
      ...(order.note === undefined ? {} : { comment: order.note.slice(0, 500) }),
      ...billingFields,
      shipping_is_billing: shippingIsBilling,
      ...(shippingIsBilling
        ? {}
        : {
            shipping_customer_name: shippingName.first,
            ...(shippingName.last === undefined ? {} : { shipping_last_name: shippingName.last }),
            shipping_address: shipping.lines[0]!,
            ...(shipping.lines.length > 1 ? { shipping_address_2: shipping.lines.slice(1).join(', ') } : {}),
            shipping_city: shipping.city,
            shipping_pincode: pincodeOf(shipping, 'shipping'),
            shipping_state: stateOf(shipping, 'shipping'),
            shipping_country: countryName(shipping.country),
            shipping_email: email,
            shipping_phone: phoneOf(shipping.phone ?? order.customer.phone, 'shipping'),
          }),
      order_items: order.lines.map((line, index) => ({
        name: (line.name ?? line.sku).slice(0, 255),
        sku: line.sku,
        units: unitsOf(line.quantity, index),
        selling_price: amount(line.unitPrice),
        ...(line.discount === undefined ? {} : { discount: perUnit(line.discount, line.quantity) }),
      })),
      payment_method: paymentMethod ?? paymentMethodOf(order),
      ...(order.shipping === undefined ? {} : { shipping_charges: amount(order.shipping) }),
      ...(order.discount === undefined ? {} : { total_discount: amount(order.discount) }),
      sub_total: amount(order.subtotal),
      length: positiveNumber(parcel.length.value, 'parcel length'),
      breadth: positiveNumber(parcel.breadth.value, 'parcel breadth'),
      height: positiveNumber(parcel.height.value, 'parcel height'),
      weight: positiveNumber(parcel.weight.value, 'parcel weight'),
    };
  },
});

function paymentMethodOf(order: CanonicalOrder): (typeof PAYMENT_METHODS)[number] {
  if (order.financialStatus === undefined) throw new TypeError('the order has no financialStatus, so Prepaid and COD cannot be told apart; give paymentMethod');
  return order.financialStatus === 'pending' ? 'COD' : 'Prepaid';
}

/** Shiprocket wants a first and a last name; the address's name wins over the customer's. */
function personName(address: CanonicalAddress, firstName: string | undefined, lastName: string | undefined): { first: string; last?: string } {
  const full = address.name?.trim();
  if (full !== undefined && full !== '') {
    const [first = full, ...rest] = full.split(/\s+/);
    return rest.length === 0 ? { first } : { first, last: rest.join(' ') };
  }
  if (firstName === undefined || firstName.trim() === '') throw new TypeError('neither the address nor the customer has a name');
  return lastName === undefined || lastName.trim() === '' ? { first: firstName.trim() } : { first: firstName.trim(), last: lastName.trim() };
}

function pincodeOf(address: CanonicalAddress, which: string): string {
  const code = address.postalCode?.replace(/\s+/g, '');
  if (code === undefined || !/^[1-9][0-9]{5}$/.test(code)) throw new TypeError(`the ${which} address needs a 6-digit PIN code, got ${JSON.stringify(address.postalCode)}`);
  return code;
}

/** ISO 3166-2:IN codes, for canonical addresses that carry the code rather than the name Shiprocket wants. */
const INDIAN_STATES: Readonly<Record<string, string>> = {
  AN: 'Andaman and Nicobar Islands', AP: 'Andhra Pradesh', AR: 'Arunachal Pradesh', AS: 'Assam', BR: 'Bihar', CH: 'Chandigarh',
  CT: 'Chhattisgarh', CG: 'Chhattisgarh', DH: 'Dadra and Nagar Haveli and Daman and Diu', DL: 'Delhi', GA: 'Goa', GJ: 'Gujarat',
  HP: 'Himachal Pradesh', HR: 'Haryana', JH: 'Jharkhand', JK: 'Jammu and Kashmir', KA: 'Karnataka', KL: 'Kerala', LA: 'Ladakh',
  LD: 'Lakshadweep', MH: 'Maharashtra', ML: 'Meghalaya', MN: 'Manipur', MP: 'Madhya Pradesh', MZ: 'Mizoram', NL: 'Nagaland',
  OR: 'Odisha', OD: 'Odisha', PB: 'Punjab', PY: 'Puducherry', RJ: 'Rajasthan', SK: 'Sikkim', TG: 'Telangana', TS: 'Telangana',
  TN: 'Tamil Nadu', TR: 'Tripura', UP: 'Uttar Pradesh', UT: 'Uttarakhand', UK: 'Uttarakhand', WB: 'West Bengal',
};

function stateOf(address: CanonicalAddress, which: string): string {
  const region = address.region?.trim();
  if (region === undefined || region === '') throw new TypeError(`the ${which} address has no region (state), which Shiprocket requires`);
  const code = /^IN-([A-Z]{2})$/.exec(region)?.[1];
  return code === undefined ? region : (INDIAN_STATES[code] ?? region);
}

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(code: string): string {
  return REGION_NAMES.of(code) ?? code;
}

/** E.164 → the 10 digits Shiprocket takes: an Indian number without its +91. */
function phoneOf(phone: string | undefined, which: string): string {
  if (phone === undefined) throw new TypeError(`the ${which} address and the customer have no phone, which Shiprocket requires`);
  const indian = /^\+91([0-9]{10})$/.exec(phone);
  if (indian === null) throw new TypeError(`the ${which} phone ${JSON.stringify(phone)} is not an Indian number (+91 and 10 digits)`);
  return indian[1]!;
}

function unitsOf(quantity: { value: string; unit: string }, index: number): number {
  if (quantity.unit !== 'each' || !/^[1-9][0-9]*$/.test(quantity.value)) {
    throw new TypeError(`line ${index + 1}: Shiprocket counts whole units; the quantity is ${quantity.value} ${quantity.unit}`);
  }
  return Number(quantity.value);
}

function amount(money: { amount: string; currency: string }): number {
  if (money.currency !== 'INR') throw new TypeError(`Shiprocket takes amounts in INR, not ${money.currency}`);
  return Number(money.amount);
}

/** Canonical line discounts are for the whole line; Shiprocket's are per unit. */
function perUnit(money: { amount: string; currency: string }, quantity: { value: string }): number {
  return Math.round((amount(money) / Number(quantity.value)) * 100) / 100;
}

function positiveNumber(value: string, what: string): number {
  const number = Number(value);
  if (!(number > 0)) throw new TypeError(`${what} must be more than 0, got ${value}`);
  return number;
}

function sameAddress(a: CanonicalAddress, b: CanonicalAddress): boolean {
  return JSON.stringify([a.name, a.lines, a.city, a.region, a.postalCode, a.country, a.phone]) === JSON.stringify([b.name, b.lines, b.city, b.region, b.postalCode, b.country, b.phone]);
}

export const shiprocketMappings = [orderToCreateOrder, trackingToShipment, webhookToShipment] as const;
