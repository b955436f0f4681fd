import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AuthError, NotFoundError, RateLimitedError, ValidationError, canonical, type CanonicalOrder } from '@weft/sdk';
import { authFromCredentials, connectorContract, createTestHttpClient, rejection, runAction, type TestHttpClient, startWebhookReceiver } from '@weft/sdk/testing';
import { assignAwb } from './assign-awb.action.ts';
import { cancelOrders } from './cancel-orders.action.ts';
import { createOrder } from './create-order.action.ts';
import { generatePickup } from './generate-pickup.action.ts';
import { orderToCreateOrder, shipmentStatusOf, trackingToShipment, webhookToShipment } from './shiprocket.canonical.ts';
import { shiprocket } from './shiprocket.connector.ts';
import { ERROR_MESSAGES, LOGIN_PATH, SANDBOX_EVENT_TYPES, SANDBOX_WEBHOOK_TOKEN, SEED_ORDERS } from './shiprocket.fixtures.ts';
import { startShiprocketSandbox, type ShiprocketSandbox } from './shiprocket.sandbox.ts';
import type { CreateOrderInput, TrackResponse, TrackingWebhook } from './shiprocket.schemas.ts';
import { trackAwb } from './track-awb.action.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';

const [NEW_ORDER, AWB_ORDER, MOVING_ORDER] = SEED_ORDERS;

const ORDER_INPUT: CreateOrderInput = {
  order_id: 'WEFT-2001',
  order_date: '2026-01-06 11:30',
  pickup_location: 'Primary',
  billing_customer_name: 'Ravi',
  billing_last_name: 'Iyer',
  billing_address: '4 Residency Road',
  billing_city: 'Bengaluru',
  billing_pincode: '560025',
  billing_state: 'Karnataka',
  billing_country: 'India',
  billing_email: 'ravi.iyer@example.in',
  billing_phone: '9812345678',
  shipping_is_billing: true,
  order_items: [{ name: 'Filter coffee 500 g', sku: 'COFFEE-500', units: 2, selling_price: 450 }],
  payment_method: 'COD',
  sub_total: 900,
  length: 20,
  breadth: 15,
  height: 10,
  weight: 1.1,
};

connectorContract({
  connector: shiprocket,
  startSandbox: () => startShiprocketSandbox(),
  connection: (sandbox) => ({ config: { baseUrl: sandbox.url }, credentials: { ...(sandbox as ShiprocketSandbox).credentials } }),
  // Shiprocket answers a wrong email or password at login with 400 "Invalid email and password combination".
  authFailureStatus: 400,
  samples: {
    'create-order': { input: ORDER_INPUT, expect: (output) => assert.equal((output as { status: string }).status, 'NEW') },
    'assign-awb': { input: { shipment_id: NEW_ORDER.shipmentId }, expect: (output) => assert.match((output as { response: { data: { awb_code: string } } }).response.data.awb_code, /^\d+$/) },
    'generate-pickup': { input: { shipment_id: [AWB_ORDER.shipmentId] } },
    'track-awb': { input: { awb: MOVING_ORDER.awb }, expect: (output) => assert.equal((output as TrackResponse).tracking_data.track_status, 1) },
    'cancel-orders': { input: { ids: [NEW_ORDER.orderId] } },
  },
  triggers: { 'tracking-update': { type: SANDBOX_EVENT_TYPES[0]! } },
});

function clientFor(sandbox: ShiprocketSandbox, credentials: Record<string, string> = sandbox.credentials, now?: () => number): TestHttpClient {
  const auth = authFromCredentials(shiprocket.auth, credentials);
  return createTestHttpClient({ baseUrl: sandbox.url, headers: auth.headers, ...(auth.tokenLogin === undefined ? {} : { tokenLogin: auth.tokenLogin }), ...(now === undefined ? {} : { now }) });
}

describe('shiprocket login and token expiry', () => {
  let clock = Date.UTC(2026, 0, 6, 6, 0, 0);
  let sandbox: ShiprocketSandbox;
  before(async () => {
    sandbox = await startShiprocketSandbox({ tokenLifetimeSeconds: 3600, now: () => clock });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('logs in once with email and password as JSON, then sends the token as Bearer', async () => {
    const http = clientFor(sandbox);
    await runAction(trackAwb, { awb: MOVING_ORDER.awb }, { http });
    await runAction(trackAwb, { awb: MOVING_ORDER.awb }, { http });
    const [login, ...calls] = sandbox.requests();
    assert.equal(login?.path, LOGIN_PATH);
    assert.deepEqual(login?.body, { email: sandbox.credentials.username, password: sandbox.credentials.password });
    assert.equal(calls.length, 2);
    assert.ok(calls.every((call) => /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(call.headers.authorization ?? '')));
  });

  it('answers an expired token with 401 "Token has expired", and the client logs in again and retries once', async () => {
    // The client's own clock stays put, so only the 401 can make it log in again.
    const frozen = clock;
    const http = clientFor(sandbox, sandbox.credentials, () => frozen);
    await runAction(trackAwb, { awb: MOVING_ORDER.awb }, { http });
    clock += 3600_000;
    const output = await runAction(trackAwb, { awb: MOVING_ORDER.awb }, { http });
    assert.equal(output.tracking_data.track_status, 1);
    const statuses = sandbox.requests().map((request) => `${request.path === LOGIN_PATH ? 'login' : 'track'} ${request.status}`);
    assert.deepEqual(statuses, ['login 200', 'track 200', 'track 401', 'login 200', 'track 200']);
  });

  it('refuses a missing, forged or expired token in Shiprocket\'s words', async () => {
    const track = (authorization?: string) =>
      fetch(`${sandbox.url}/v1/external/courier/track/awb/${MOVING_ORDER.awb}`, { headers: authorization === undefined ? {} : { authorization } }).then(async (response) => ({ status: response.status, body: await response.json() }));
    assert.deepEqual(await track(), { status: 401, body: { message: ERROR_MESSAGES.tokenMissing, status_code: 401 } });
    assert.deepEqual(await track('Bearer not-a-jwt'), { status: 401, body: { message: ERROR_MESSAGES.tokenMalformed, status_code: 401 } });
    assert.deepEqual(await track('Bearer aaa.bbb.ccc'), { status: 401, body: { message: ERROR_MESSAGES.tokenInvalid, status_code: 401 } });
  });

  it('turns a wrong password into an AuthError that does not quote it', async () => {
    const error = await rejection(runAction(trackAwb, { awb: MOVING_ORDER.awb }, { http: clientFor(sandbox, { username: sandbox.credentials.username, password: 'guessed-wrong' }) }));
    assert.ok(error instanceof AuthError);
    assert.equal(error.status, 400);
    assert.ok(!error.message.includes('guessed-wrong'));
    const [login] = sandbox.requests();
    assert.equal(login?.status, 400);
  });
});

describe('shiprocket actions against the sandbox', () => {
  let sandbox: ShiprocketSandbox;
  let http: TestHttpClient;
  before(async () => {
    sandbox = await startShiprocketSandbox();
    http = clientFor(sandbox);
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('creates → assigns an AWB → generates a pickup → tracks, and courier webhooks move the tracking on', async () => {
    const created = await runAction(createOrder, ORDER_INPUT, { http });
    assert.deepEqual([created.status, created.status_code, created.awb_code], ['NEW', 1, null]);
    assert.equal(createOrder.xref?.id(created), String(created.order_id));

    const assigned = await runAction(assignAwb, { shipment_id: created.shipment_id, courier_id: 43 }, { http });
    const { awb_code: awb, courier_name: courier } = assigned.response.data;
    assert.equal(courier, 'Xpressbees Surface');

    // Assigned but not yet scanned by the courier: nothing to track.
    const early = await rejection(runAction(trackAwb, { awb }, { http }));
    assert.ok(early instanceof NotFoundError && early.code === 'ERR_SHIPROCKET_NO_TRACKING', String(early));

    const pickup = await runAction(generatePickup, { shipment_id: [created.shipment_id] }, { http });
    assert.match(pickup.response.data, new RegExp(awb));

    const receiver = await startWebhookReceiver('/hooks/tracking');
    try {
      await sandbox.webhooks.emit({ url: receiver.url, type: 'PICKED UP', data: { awb } });
      await sandbox.webhooks.emit({ url: receiver.url, type: 'DELIVERED', data: { awb } });
    } finally {
      await receiver.close();
    }
    assert.equal(receiver.received.length, 2);
    assert.ok(receiver.received.every((delivery) => delivery.headers['x-api-key'] === SANDBOX_WEBHOOK_TOKEN));
    const delivered = JSON.parse(receiver.received[1]!.rawBody) as TrackingWebhook;
    assert.equal(delivered.current_status, 'DELIVERED');
    assert.equal(webhookToShipment.map(delivered).status, 'delivered');

    const tracked = await runAction(trackAwb, { awb }, { http });
    const activities = tracked.tracking_data.shipment_track_activities ?? [];
    assert.deepEqual(activities.map((scan) => scan['sr-status-label']), ['DELIVERED', 'PICKED UP', 'OUT FOR PICKUP']);
    const shipment = trackingToShipment.map(tracked);
    assert.equal(shipment.status, 'delivered');
    assert.deepEqual(shipment.events?.map((event) => event.status), ['label-created', 'in-transit', 'delivered']);
    assert.equal(shipment.service, 'Xpressbees Surface');
  });

  it('answers missing fields with 422 "Oops! Invalid Data." and per-field messages, which the ValidationError carries', async () => {
    const { billing_pincode: _dropped, ...withoutPincode } = ORDER_INPUT;
    const error = await rejection(runAction(createOrder, { ...withoutPincode, pickup_location: 'Nowhere' } as CreateOrderInput, { http }));
    assert.ok(error instanceof ValidationError && error.status === 422, String(error));
    assert.match(error.message, /Oops! Invalid Data\. billing_pincode: The billing pincode field is required\.; pickup_location: Wrong Pickup location/);
    const [request] = sandbox.requests().filter((record) => record.path !== LOGIN_PATH);
    assert.equal(request?.status, 422);
  });

  it('requires the shipping address when shipping_is_billing is false', async () => {
    const error = await rejection(runAction(createOrder, { ...ORDER_INPUT, shipping_is_billing: false }, { http }));
    assert.ok(error instanceof ValidationError);
    assert.match(error.message, /shipping_address: The shipping address field is required when shipping is billing is false/);
  });

  it('refuses a second AWB, a pickup without AWB and an unknown shipment, each as Shiprocket answers', async () => {
    const twice = await rejection(runAction(assignAwb, { shipment_id: AWB_ORDER.shipmentId }, { http }));
    assert.ok(twice instanceof ValidationError && twice.status === 400);
    const noAwb = await rejection(runAction(generatePickup, { shipment_id: [NEW_ORDER.shipmentId] }, { http }));
    assert.ok(noAwb instanceof ValidationError && /assign AWB/.test(noAwb.message));
    const unknown = await rejection(runAction(assignAwb, { shipment_id: 1 }, { http }));
    assert.ok(unknown instanceof ValidationError && /The selected shipment id is invalid/.test(unknown.message));
  });

  it('reports a courier that cannot take the shipment (HTTP 200, awb_assign_status 0) as a ValidationError', async () => {
    const error = await rejection(runAction(assignAwb, { shipment_id: NEW_ORDER.shipmentId, courier_id: 9999 }, { http }));
    assert.ok(error instanceof ValidationError && error.code === 'ERR_SHIPROCKET_AWB_NOT_ASSIGNED');
    assert.match(error.message, /not serviceable/);
  });

  it('tracks an AWB that was never assigned as Shiprocket does: HTTP 200, track_status 0, which becomes a NotFoundError', async () => {
    const error = await rejection(runAction(trackAwb, { awb: '99999999999999' }, { http }));
    assert.ok(error instanceof NotFoundError);
    assert.match(error.message, /no activities found/);
  });

  it('cancels orders, refuses unknown ids with 422, and will not cancel a shipment on its way', async () => {
    const cancelled = await runAction(cancelOrders, { ids: [NEW_ORDER.orderId, AWB_ORDER.orderId] }, { http });
    assert.equal(cancelled.message, ERROR_MESSAGES.cancelled);
    assert.ok(sandbox.state().orders.filter((order) => order.cancelled).length === 2);
    const unknown = await rejection(runAction(cancelOrders, { ids: [42] }, { http }));
    assert.ok(unknown instanceof ValidationError && /The selected ids is invalid/.test(unknown.message));
    const moving = await rejection(runAction(cancelOrders, { ids: [MOVING_ORDER.orderId] }, { http }));
    assert.ok(moving instanceof ValidationError && moving.status === 400);
  });

  it('enforces a request rate with 429 "Too Many Attempts." and Retry-After', async () => {
    const limited = await startShiprocketSandbox({ requestsPerSecond: 2 });
    try {
      const client = clientFor(limited);
      // The login is the first of the two requests the window allows.
      await runAction(trackAwb, { awb: MOVING_ORDER.awb }, { http: client });
      const error = await rejection(runAction(trackAwb, { awb: MOVING_ORDER.awb }, { http: client }));
      assert.ok(error instanceof RateLimitedError, String(error));
      assert.ok((error.retryAfterMs ?? 0) >= 1000);
      assert.match(error.message, /Too Many Attempts/);
    } finally {
      await limited.close();
    }
  });

  it('delivers tracking webhooks through /_sandbox/webhooks/deliver with the token in x-api-key', async () => {
    const receiver = await startWebhookReceiver('/hooks/tracking');
    try {
      const response = await fetch(`${sandbox.url}/_sandbox/webhooks/deliver`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, type: 'OUT FOR DELIVERY', data: { awb: MOVING_ORDER.awb } }),
      });
      assert.equal(response.status, 200);
    } finally {
      await receiver.close();
    }
    const [delivery] = receiver.received;
    assert.equal(delivery?.headers['x-api-key'], SANDBOX_WEBHOOK_TOKEN);
    const payload = JSON.parse(delivery!.rawBody) as TrackingWebhook;
    assert.equal(payload.awb, MOVING_ORDER.awb);
    assert.equal(payload.order_id, MOVING_ORDER.channelOrderId);
    assert.match(payload.current_timestamp, /^\d{2} \d{2} \d{4} \d{2}:\d{2}:\d{2}$/);
    assert.equal(webhookToShipment.map(payload).status, 'out-for-delivery');
  });
});

// ---------------------------------------------------------------- mappings


// A track answer shaped as Shiprocket's API reference shows one (newest scan first, "NA" scans between milestones).
const TRACK_ANSWER: TrackResponse = {
  tracking_data: {
    track_status: 1,
    shipment_status: 7,
    shipment_track: [
      {
        id: 236612717,
        awb_code: '141123221084922',
        courier_company_id: 51,
        shipment_id: 236612717,
        order_id: 237157589,
        pickup_date: '2022-07-18 20:28:00',
        delivered_date: '2022-07-19 11:37:00',
        weight: '0.30',
        packages: 1,
        current_status: 'Delivered',
        delivered_to: 'Mumbai',
        destination: 'Mumbai',
        origin: 'Bengaluru',
        courier_name: 'Xpressbees Surface',
        edd: null,
      },
    ],
    shipment_track_activities: [
      { date: '2022-07-19 11:37:00', status: 'DLVD', activity: 'Delivered', location: 'MUMBAI/N4A/RDC', 'sr-status': '7', 'sr-status-label': 'DELIVERED' },
      { date: '2022-07-19 09:01:00', status: 'OFD', activity: 'Out for delivery', location: 'MUMBAI/N4A/RDC', 'sr-status': '17', 'sr-status-label': 'OUT FOR DELIVERY' },
      { date: '2022-07-19 02:10:00', status: 'RAD', activity: 'Reached at destination', location: 'MUMBAI/N4A/RDC', 'sr-status': 'NA', 'sr-status-label': 'NA' },
      { date: '2022-07-18 20:28:00', status: 'PKD', activity: 'Picked up', location: 'BLR/FC1', 'sr-status': '42', 'sr-status-label': 'PICKED UP' },
      { date: '2022-07-18 12:00:00', status: 'X-UCI', activity: 'Manifested - Manifest uploaded', location: 'BLR/FC1', 'sr-status': '5', 'sr-status-label': 'MANIFEST GENERATED' },
    ],
    track_url: 'https://shiprocket.co//tracking/141123221084922',
    etd: '2022-07-20 19:28:00',
  },
};

describe('shiprocket mappings', () => {
  it('maps a track answer to a valid canonical shipment, scans oldest first, "NA" scans keeping the status before them', () => {
    const shipment = trackingToShipment.map(TRACK_ANSWER);
    assertMatchesSchema(canonical.Shipment, shipment, 'canonical shipment');
    assert.deepEqual(
      { ids: shipment.ids, orderIds: shipment.orderIds, carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, status: shipment.status },
      { ids: { shiprocket: '236612717' }, orderIds: { shiprocket: '237157589' }, carrier: 'shiprocket', trackingNumber: '141123221084922', status: 'delivered' },
    );
    assert.equal(shipment.shippedAt, '2022-07-18T20:28:00+05:30');
    assert.equal(shipment.deliveredAt, '2022-07-19T11:37:00+05:30');
    assert.deepEqual(shipment.events?.map((event) => event.status), ['label-created', 'in-transit', 'in-transit', 'out-for-delivery', 'delivered']);
    assert.deepEqual(shipment.events?.[0], { at: '2022-07-18T12:00:00+05:30', status: 'label-created', description: 'Manifested - Manifest uploaded', location: 'BLR/FC1' });
    assert.deepEqual(shipment.custom, { estimatedDeliveryAt: '2022-07-20T19:28:00+05:30' });
  });

  it('refuses to map a track answer without a shipment, naming Shiprocket\'s reason', () => {
    const empty: TrackResponse = { tracking_data: { track_status: 0, shipment_status: 0, shipment_track: [], shipment_track_activities: null, track_url: '', error: ERROR_MESSAGES.noActivities } };
    assert.throws(() => trackingToShipment.map(empty), /no shipment to map: Aahh!/);
  });

  it('maps a tracking webhook to a valid canonical shipment', () => {
    const hook: TrackingWebhook = {
      awb: '19041424751540',
      courier_name: 'Delhivery Surface',
      current_status: 'IN TRANSIT',
      current_status_id: 20,
      shipment_status: 'IN TRANSIT',
      shipment_status_id: 18,
      current_timestamp: '23 05 2023 11:43:52',
      order_id: '1373900_150876814',
      sr_order_id: 348456385,
      awb_assigned_date: '2023-05-19 11:59:16',
      pickup_scheduled_date: '2023-05-19 11:59:17',
      etd: '2023-05-23 15:40:19',
      scans: [
        { date: '2023-05-19 11:59:16', status: 'X-UCI', activity: 'Manifested - Manifest uploaded', location: 'Chomu_SamodRd_D (Rajasthan)', 'sr-status': '5', 'sr-status-label': 'MANIFEST GENERATED' },
        { date: '2023-05-19 15:01:00', status: 'X-PPOM', activity: 'In Transit - Shipment picked up', location: 'Chomu_SamodRd_D (Rajasthan)', 'sr-status': '42', 'sr-status-label': 'PICKED UP' },
        { date: '2023-05-20 03:12:45', status: 'X-DLL2F', activity: 'In Transit - Added to bag', location: 'Jaipur_Hub (Rajasthan)', 'sr-status': 'NA', 'sr-status-label': 'NA' },
      ],
      is_return: 0,
      channel_id: 3422553,
      pod_status: 'OTP Based Delivery',
      pod: 'Not Available',
    };
    const shipment = webhookToShipment.map(hook);
    assertMatchesSchema(canonical.Shipment, shipment, 'canonical shipment');
    assert.equal(shipment.status, 'in-transit');
    assert.deepEqual(shipment.orderIds, { shiprocket: '348456385' });
    assert.equal(shipment.shippedAt, '2023-05-19T15:01:00+05:30');
    assert.deepEqual(shipment.events?.map((event) => event.status), ['label-created', 'in-transit', 'in-transit']);
    assert.deepEqual(shipment.custom, { channelOrderId: '1373900_150876814', isReturn: false, estimatedDeliveryAt: '2023-05-23T15:40:19+05:30' });
  });

  it('maps Shiprocket statuses by label in any spelling, by code when the label is missing, and refuses unknown ones', () => {
    assert.equal(shipmentStatusOf('Canceled'), 'cancelled');
    assert.equal(shipmentStatusOf('rto_in_transit'), 'returned');
    assert.equal(shipmentStatusOf('Out For Delivery'), 'out-for-delivery');
    assert.equal(shipmentStatusOf('UNDELIVERED'), 'exception');
    assert.equal(shipmentStatusOf('NA', '17'), 'out-for-delivery');
    assert.equal(shipmentStatusOf('', 7), 'delivered');
    assert.equal(shipmentStatusOf('NA', 'NA'), undefined);
    assert.throws(() => shipmentStatusOf('TELEPORTED'), /"TELEPORTED" has no canonical shipment status/);
  });

  const ORDER: CanonicalOrder = {
    ids: { shopify: '7001' },
    number: '#1001',
    status: 'confirmed',
    financialStatus: 'pending',
    currency: 'INR',
    customer: { email: 'meera@example.in', firstName: 'Meera', lastName: 'Nair', phone: '+919876501234' },
    billingAddress: { name: 'Meera Nair', lines: ['21 Marine Drive', 'Flat 4B'], city: 'Mumbai', region: 'IN-MH', postalCode: '400020', country: 'IN', phone: '+919876501234' },
    shippingAddress: { name: 'Arjun Nair', lines: ['7 Park Street'], city: 'Kolkata', region: 'West Bengal', postalCode: '700016', country: 'IN' },
    lines: [
      { sku: 'TEA-250', name: 'Assam tea 250 g', quantity: { value: '3', unit: 'each' }, unitPrice: { amount: '240.00', currency: 'INR' }, discount: { amount: '60.00', currency: 'INR' }, total: { amount: '660.00', currency: 'INR' } },
    ],
    subtotal: { amount: '660.00', currency: 'INR' },
    shipping: { amount: '49.00', currency: 'INR' },
    total: { amount: '709.00', currency: 'INR' },
    placedAt: '2026-01-06T06:15:00Z',
  };
  const PARCEL = { length: { value: '20', unit: 'cm' as const }, breadth: { value: '12', unit: 'cm' as const }, height: { value: '8', unit: 'cm' as const }, weight: { value: '0.9', unit: 'kg' as const } };

  it('maps a canonical order to a create-order input the sandbox accepts', async () => {
    const input = orderToCreateOrder.map({ order: ORDER, pickupLocation: 'Primary', parcel: PARCEL });
    assertMatchesSchema(createOrder.input, input, 'create-order input');
    assert.deepEqual(
      {
        order_id: input.order_id,
        order_date: input.order_date,
        billing: [input.billing_customer_name, input.billing_last_name, input.billing_address, input.billing_address_2, input.billing_state, input.billing_country, input.billing_phone],
        shipping: [input.shipping_is_billing, input.shipping_customer_name, input.shipping_city, input.shipping_state, input.shipping_phone],
        items: input.order_items,
        money: [input.payment_method, input.sub_total, input.shipping_charges],
        parcel: [input.length, input.breadth, input.height, input.weight],
      },
      {
        order_id: '#1001',
        order_date: '2026-01-06 11:45',
        billing: ['Meera', 'Nair', '21 Marine Drive', 'Flat 4B', 'Maharashtra', 'India', '9876501234'],
        shipping: [false, 'Arjun', 'Kolkata', 'West Bengal', '9876501234'],
        items: [{ name: 'Assam tea 250 g', sku: 'TEA-250', units: 3, selling_price: 240, discount: 20 }],
        money: ['COD', 660, 49],
        parcel: [20, 12, 8, 0.9],
      },
    );
    const sandbox = await startShiprocketSandbox();
    try {
      const created = await runAction(createOrder, input, { http: clientFor(sandbox) });
      assert.equal(created.status, 'NEW');
    } finally {
      await sandbox.close();
    }
  });

  it('sets shipping_is_billing when the order ships to its billing address, and Prepaid for a paid order', () => {
    const input = orderToCreateOrder.map({ order: { ...ORDER, financialStatus: 'paid', shippingAddress: ORDER.billingAddress }, pickupLocation: 'Primary', parcel: PARCEL });
    assert.equal(input.shipping_is_billing, true);
    assert.equal(input.shipping_address, undefined);
    assert.equal(input.payment_method, 'Prepaid');
  });

  it('refuses orders Shiprocket cannot take, saying why', () => {
    const map = (order: CanonicalOrder) => () => orderToCreateOrder.map({ order, pickupLocation: 'Primary', parcel: PARCEL });
    assert.throws(map({ ...ORDER, currency: 'EUR' }), /in INR; the order is in EUR/);
    assert.throws(map({ ...ORDER, financialStatus: undefined }), /give paymentMethod/);
    assert.throws(map({ ...ORDER, billingAddress: { ...ORDER.billingAddress!, postalCode: 'SW1A 1AA' } }), /6-digit PIN code/);
    assert.throws(map({ ...ORDER, billingAddress: { ...ORDER.billingAddress!, phone: '+14155550100' } }), /not an Indian number/);
    assert.throws(map({ ...ORDER, lines: [{ ...ORDER.lines[0]!, quantity: { value: '1.5', unit: 'kg' } }] }), /whole units/);
  });
});

