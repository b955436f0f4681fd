import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { createSandbox, type RunningSandbox, type SandboxRequest, type SandboxResponse } from '@weft/sdk/testing';
import {
  ERROR_MESSAGES,
  LOGIN_PATH,
  SANDBOX_COURIERS,
  SANDBOX_PICKUP_LOCATIONS,
  SANDBOX_TRACKING_EVENTS,
  SANDBOX_USER,
  SANDBOX_WEBHOOK_TOKEN,
  SEED_EPOCH_MS,
  SEED_ORDERS,
  TOKEN_LIFETIME_SECONDS,
} from './shiprocket.fixtures.ts';
import { createOrderInput, type CreateOrderInput } from './shiprocket.schemas.ts';
import { istDateTime, istWebhookTimestamp } from './shiprocket.time.ts';

/**
 * A stateful fake of the parts of Shiprocket the connector uses: login with JWTs that expire,
 * Laravel-shaped errors ({ message, errors, status_code }), orders that move NEW → AWB assigned
 * → pickup scheduled → courier scans, tracking by AWB, cancellation, a request-rate limit
 * answering 429, and tracking webhooks sent with the configured token in `x-api-key`.
 */

interface Scan {
  date: string;
  status: string;
  activity: string;
  location: string;
  'sr-status': string;
  'sr-status-label': string;
}

export interface SandboxOrder {
  orderId: number;
  shipmentId: number;
  channelOrderId: string;
  input: CreateOrderInput;
  createdAt: number;
  cancelled: boolean;
  awb?: string;
  courier?: { id: number; name: string };
  awbAssignedAt?: number;
  pickupScheduledAt?: number;
  /** Newest last; the track answer shows them newest first. */
  scans: Scan[];
  /** The current status label and Shiprocket code. */
  status: { label: string; code: number };
  pickedUpAt?: number;
  deliveredAt?: number;
}

export interface ShiprocketState {
  orders: SandboxOrder[];
  nextOrderId: number;
  nextShipmentId: number;
  nextAwb: number;
}

export interface ShiprocketSandbox extends RunningSandbox<ShiprocketState> {
  /** What a connection holds: the API user's email and password. */
  credentials: { username: string; password: string };
  /** The token Shiprocket sends in `x-api-key`; the receiver compares it. */
  webhookToken: string;
  /** The same token, under the name every sandbox gives the secret a connection verifies webhooks with. */
  webhookSecret: string;
}

export interface ShiprocketSandboxOptions {
  port?: number;
  host?: string;
  /** How long a login token lasts; default Shiprocket's 240 hours. A test shortens it to see one expire. */
  tokenLifetimeSeconds?: number;
  /** Refuse more than this many requests a second with 429. Default: no limit. */
  requestsPerSecond?: number;
  credentials?: { username: string; password: string };
  webhookToken?: string;
  now?: () => number;
  random?: () => number;
}

const JWT_HEADER = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));

export async function startShiprocketSandbox(options: ShiprocketSandboxOptions = {}): Promise<ShiprocketSandbox> {
  const credentials = options.credentials ?? { ...SANDBOX_USER };
  const webhookToken = options.webhookToken ?? SANDBOX_WEBHOOK_TOKEN;
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? TOKEN_LIFETIME_SECONDS;
  const now = options.now ?? Date.now;
  // Tokens are signed, not stored: like Shiprocket's JWTs they survive reset() until they expire.
  const signingKey = randomBytes(32);

  const sandbox = createSandbox<ShiprocketState>({
    name: 'shiprocket',
    seed: seedState,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.requestsPerSecond === undefined ? {} : { rateLimit: { requests: options.requestsPerSecond, windowMs: 1000 } }),
    authenticate: (request) => {
      if (request.path === LOGIN_PATH) return undefined;
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
      if (token === undefined || token === '') return error(401, ERROR_MESSAGES.tokenMissing);
      const problem = checkToken(token);
      return problem === undefined ? undefined : error(401, problem);
    },
    errorResponse: (failure) => {
      switch (failure.kind) {
        case 'rate-limited':
          return error(429, ERROR_MESSAGES.tooManyAttempts);
        case 'unknown-route':
          return error(404, ERROR_MESSAGES.notFound);
        case 'bad-body':
          return error(failure.status, failure.message);
        case 'unavailable':
        case 'injected':
          if (failure.status === 401) return error(401, ERROR_MESSAGES.tokenExpired);
          if (failure.status === 404) return error(404, ERROR_MESSAGES.notFound);
          if (failure.status >= 500) return error(failure.status, ERROR_MESSAGES.serverError);
          return error(failure.status, failure.message);
      }
    },
    routes: [
      {
        method: 'POST',
        path: LOGIN_PATH,
        handle: (request) => {
          const body = objectBody(request);
          const missing = invalid({
            email: typeof body.email === 'string' && body.email !== '' ? undefined : 'The email field is required.',
            password: typeof body.password === 'string' && body.password !== '' ? undefined : 'The password field is required.',
          });
          if (missing !== undefined) return missing;
          if (!sameText(String(body.email), credentials.username) || !sameText(String(body.password), credentials.password)) {
            return error(400, ERROR_MESSAGES.wrongCredentials);
          }
          const issuedAt = Math.floor(now() / 1000);
          return {
            body: {
              id: 1,
              first_name: 'API',
              last_name: 'User',
              email: credentials.username,
              company_id: 100_001,
              created_at: istDateTime(SEED_EPOCH_MS),
              token: issueToken(issuedAt),
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/v1/external/orders/create/adhoc',
        handle: (request, { state }) => {
          const body = objectBody(request);
          const problems = orderProblems(body);
          if (problems !== undefined) return problems;
          const input = body as unknown as CreateOrderInput;
          const order: SandboxOrder = {
            orderId: state.nextOrderId++,
            shipmentId: state.nextShipmentId++,
            channelOrderId: input.order_id,
            input,
            createdAt: now(),
            cancelled: false,
            scans: [],
            status: { label: 'NEW', code: 1 },
          };
          state.orders.push(order);
          return {
            body: {
              order_id: order.orderId,
              shipment_id: order.shipmentId,
              status: 'NEW',
              status_code: 1,
              onboarding_completed_now: 0,
              awb_code: null,
              courier_company_id: null,
              courier_name: null,
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/v1/external/courier/assign/awb',
        handle: (request, { state }) => {
          const body = objectBody(request);
          const shipmentId = Number(body.shipment_id);
          const order = state.orders.find((candidate) => candidate.shipmentId === shipmentId);
          const problems = invalid({
            shipment_id: body.shipment_id === undefined ? 'The shipment id field is required.' : order === undefined ? 'The selected shipment id is invalid.' : undefined,
          });
          if (problems !== undefined || order === undefined) return problems ?? error(422, ERROR_MESSAGES.invalidData);
          if (order.cancelled) return assignRefused(ERROR_MESSAGES.cancelledShipment);
          const reassign = body.status === 'reassign';
          if (order.awb !== undefined && !reassign) return error(400, ERROR_MESSAGES.awbAlreadyAssigned);
          const courier = body.courier_id === undefined ? SANDBOX_COURIERS[0] : SANDBOX_COURIERS.find((candidate) => candidate.id === Number(body.courier_id));
          if (courier === undefined) return assignRefused(ERROR_MESSAGES.courierNotServiceable);
          order.awb = String(state.nextAwb++);
          order.courier = { id: courier.id, name: courier.name };
          order.awbAssignedAt = now();
          order.status = { label: 'AWB ASSIGNED', code: 1 };
          return {
            body: {
              awb_assign_status: 1,
              response: {
                data: {
                  courier_company_id: courier.id,
                  awb_code: order.awb,
                  cod: order.input.payment_method === 'COD' ? 1 : 0,
                  order_id: order.orderId,
                  shipment_id: order.shipmentId,
                  awb_code_status: 1,
                  assigned_date_time: { date: `${istDateTime(now())}.000000`, timezone_type: 3, timezone: 'Asia/Kolkata' },
                  applied_weight: order.input.weight,
                  company_id: 100_001,
                  courier_name: courier.name,
                  child_courier_name: null,
                  pickup_scheduled_date: null,
                  routing_code: '',
                  rto_routing_code: '',
                  invoice_no: `Retail${String(order.orderId).slice(-4)}`,
                  transporter_id: '',
                  transporter_name: '',
                },
              },
              no_pickup_popup: 0,
              quick_pick: 0,
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/v1/external/courier/generate/pickup',
        handle: (request, { state }) => {
          const body = objectBody(request);
          const ids = Array.isArray(body.shipment_id) ? body.shipment_id.map(Number) : body.shipment_id === undefined ? [] : [Number(body.shipment_id)];
          const orders = ids.map((id) => state.orders.find((candidate) => candidate.shipmentId === id));
          const problems = invalid({
            shipment_id: ids.length === 0 ? 'The shipment id field is required.' : orders.includes(undefined) ? 'The selected shipment id is invalid.' : undefined,
          });
          if (problems !== undefined) return problems;
          const found = orders as SandboxOrder[];
          if (found.some((order) => order.cancelled)) return error(400, ERROR_MESSAGES.cancelledShipment);
          if (found.some((order) => order.awb === undefined)) return error(400, ERROR_MESSAGES.awbBeforePickup);
          const scheduledFor = istDateTime(now() + 24 * 3600 * 1000).slice(0, 10) + ' 14:00:00';
          for (const order of found) {
            if (order.pickupScheduledAt !== undefined) continue;
            order.pickupScheduledAt = now();
            order.status = { label: 'PICKUP SCHEDULED', code: 19 };
            order.scans.push({
              date: istDateTime(now()),
              status: 'X-PPOM',
              activity: 'Pickup scheduled - Pickup request sent to courier',
              location: order.input.pickup_location,
              'sr-status': '19',
              'sr-status-label': 'OUT FOR PICKUP',
            });
          }
          const first = found[0]!;
          return {
            body: {
              pickup_status: 1,
              response: {
                pickup_scheduled_date: scheduledFor,
                pickup_token_number: `Reference No: ${first.courier!.id}_${first.shipmentId}_${istDateTime(now()).slice(0, 10).replace(/-/g, '')}`,
                status: 3,
                others: '',
                pickup_generated_date: { date: `${istDateTime(now())}.000000`, timezone_type: 3, timezone: 'Asia/Kolkata' },
                data: `Pickup is confirmed by ${first.courier!.name} For AWB :- ${found.map((order) => order.awb).join(', ')}`,
              },
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/v1/external/courier/track/awb/:awb',
        handle: (request, { state, url }) => {
          const order = state.orders.find((candidate) => candidate.awb === request.params.awb);
          if (order === undefined || order.scans.length === 0) {
            return {
              body: {
                tracking_data: { track_status: 0, shipment_status: 0, shipment_track: [], shipment_track_activities: null, track_url: '', error: ERROR_MESSAGES.noActivities },
              },
            };
          }
          return { body: { tracking_data: trackingData(order, url) } };
        },
      },
      {
        method: 'POST',
        path: '/v1/external/orders/cancel',
        handle: (request, { state }) => {
          const body = objectBody(request);
          const ids = Array.isArray(body.ids) ? body.ids.map(Number) : [];
          const orders = ids.map((id) => state.orders.find((candidate) => candidate.orderId === id));
          const problems = invalid({
            ids: !Array.isArray(body.ids) || ids.length === 0 ? 'The ids field is required.' : orders.includes(undefined) ? 'The selected ids is invalid.' : undefined,
          });
          if (problems !== undefined) return problems;
          const found = orders as SandboxOrder[];
          if (found.some((order) => order.pickedUpAt !== undefined && !order.cancelled)) return error(400, ERROR_MESSAGES.alreadyShipped);
          for (const order of found) {
            order.cancelled = true;
            order.status = { label: 'CANCELED', code: 8 };
          }
          return { body: { status: 200, message: ERROR_MESSAGES.cancelled } };
        },
      },
    ],
    webhooks: {
      // Shiprocket signs nothing: the configured token comes back as is.
      sign: () => ({ 'x-api-key': webhookToken }),
      event: (type, { state }, data) => {
        const step = SANDBOX_TRACKING_EVENTS[type];
        if (step === undefined) throw new Error(`the Shiprocket sandbox sends tracking events ${Object.keys(SANDBOX_TRACKING_EVENTS).join(', ')}, not ${type}`);
        const awb = typeof data === 'object' && data !== null ? (data as { awb?: unknown }).awb : undefined;
        const order =
          typeof awb === 'string'
            ? state.orders.find((candidate) => candidate.awb === awb)
            : [...state.orders].reverse().find((candidate) => candidate.awb !== undefined && candidate.pickupScheduledAt !== undefined && !candidate.cancelled);
        if (order === undefined) throw new Error(typeof awb === 'string' ? `no shipment has AWB ${awb}` : 'no shipment has a pickup scheduled; create, assign an AWB and generate a pickup first');
        advance(order, type, now());
        return webhookPayload(order, now());
      },
    },
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, { credentials, webhookToken, webhookSecret: webhookToken });

  function issueToken(issuedAt: number): string {
    const payload = base64url(JSON.stringify({ sub: 1, iss: `${running.url}${LOGIN_PATH}`, iat: issuedAt, exp: issuedAt + lifetimeSeconds, jti: randomBytes(8).toString('hex') }));
    return `${JWT_HEADER}.${payload}.${sign(`${JWT_HEADER}.${payload}`)}`;
  }

  function checkToken(token: string): string | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return ERROR_MESSAGES.tokenMalformed;
    const [header, payload, signature] = parts as [string, string, string];
    if (!sameText(signature, sign(`${header}.${payload}`))) return ERROR_MESSAGES.tokenInvalid;
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
    return now() / 1000 >= exp ? ERROR_MESSAGES.tokenExpired : undefined;
  }

  function sign(text: string): string {
    return createHmac('sha256', signingKey).update(text).digest('base64url');
  }
}

// Laravel ignores fields it does not know, so only the known fields' formats are checked.
const acceptedOrder = { ...createOrderInput, additionalProperties: true };

function seedState(): ShiprocketState {
  const state: ShiprocketState = { orders: [], nextOrderId: 520_001, nextShipmentId: 519_001, nextAwb: 19_041_424_760_001 };
  SEED_ORDERS.forEach((seed, index) => {
    const createdAt = SEED_EPOCH_MS + index * 3600_000;
    const order: SandboxOrder = {
      orderId: seed.orderId,
      shipmentId: seed.shipmentId,
      channelOrderId: seed.channelOrderId,
      input: seedInput(seed.channelOrderId, createdAt),
      createdAt,
      cancelled: false,
      scans: [],
      status: { label: 'NEW', code: 1 },
    };
    if ('awb' in seed) {
      const courier = SANDBOX_COURIERS[seed.courierIndex]!;
      Object.assign(order, { awb: seed.awb, courier: { id: courier.id, name: courier.name }, awbAssignedAt: createdAt + 600_000, status: { label: 'AWB ASSIGNED', code: 1 } });
    }
    if (seed.stage === 'in-transit') {
      order.pickupScheduledAt = createdAt + 1200_000;
      order.scans.push({
        date: istDateTime(order.pickupScheduledAt),
        status: 'X-PPOM',
        activity: 'Pickup scheduled - Pickup request sent to courier',
        location: order.input.pickup_location,
        'sr-status': '19',
        'sr-status-label': 'OUT FOR PICKUP',
      });
      advance(order, 'PICKED UP', createdAt + 3 * 3600_000);
      advance(order, 'IN TRANSIT', createdAt + 9 * 3600_000);
    }
    state.orders.push(order);
  });
  return state;
}

function seedInput(channelOrderId: string, createdAt: number): CreateOrderInput {
  return {
    order_id: channelOrderId,
    order_date: istDateTime(createdAt).slice(0, 16),
    pickup_location: SANDBOX_PICKUP_LOCATIONS[0],
    billing_customer_name: 'Asha',
    billing_last_name: 'Verma',
    billing_address: '12 MG Road',
    billing_city: 'Pune',
    billing_pincode: '411001',
    billing_state: 'Maharashtra',
    billing_country: 'India',
    billing_email: 'asha.verma@example.in',
    billing_phone: '9876543210',
    shipping_is_billing: true,
    order_items: [{ name: 'Cotton kurta', sku: 'KURTA-M-BLUE', units: 2, selling_price: 899 }],
    payment_method: 'Prepaid',
    sub_total: 1798,
    length: 30,
    breadth: 20,
    height: 5,
    weight: 0.8,
  };
}

/** One courier scan: the shipment's status moves on, as a courier update moves it at Shiprocket. */
function advance(order: SandboxOrder, label: string, at: number): void {
  const step = SANDBOX_TRACKING_EVENTS[label]!;
  order.scans.push({
    date: istDateTime(at),
    status: step.courierStatus,
    activity: step.activity,
    location: label === 'PICKED UP' ? order.input.pickup_location : `${order.input.shipping_city ?? order.input.billing_city} Hub`,
    'sr-status': String(step.code),
    'sr-status-label': label,
  });
  order.status = { label, code: step.code };
  if (label === 'PICKED UP') order.pickedUpAt ??= at;
  if (label === 'DELIVERED') order.deliveredAt = at;
}

function trackingData(order: SandboxOrder, url: string): Record<string, unknown> {
  const destination = order.input.shipping_city ?? order.input.billing_city;
  return {
    track_status: 1,
    shipment_status: order.status.code,
    shipment_track: [
      {
        id: order.shipmentId + 7_000_000,
        awb_code: order.awb,
        courier_company_id: order.courier?.id,
        shipment_id: order.shipmentId,
        order_id: order.orderId,
        pickup_date: order.pickedUpAt === undefined ? null : istDateTime(order.pickedUpAt),
        delivered_date: order.deliveredAt === undefined ? null : istDateTime(order.deliveredAt),
        weight: order.input.weight.toFixed(2),
        packages: 1,
        current_status: titleCase(order.status.label),
        delivered_to: order.deliveredAt === undefined ? '' : destination,
        destination,
        consignee_name: order.input.shipping_customer_name ?? order.input.billing_customer_name,
        origin: order.input.pickup_location,
        courier_agent_details: null,
        courier_name: order.courier?.name,
        edd: null,
        pod: order.deliveredAt === undefined ? 'Not Available' : 'Available',
        pod_status: '',
      },
    ],
    shipment_track_activities: [...order.scans].reverse(),
    // Shiprocket's own tracking page; the sandbox serves none, so it points at the sandbox host.
    track_url: `${url}/tracking/${order.awb}`,
    etd: istDateTime(order.createdAt + 4 * 86_400_000),
    qc_response: { qc_image: '', qc_failed_reason: '' },
  };
}

function webhookPayload(order: SandboxOrder, at: number): Record<string, unknown> {
  return {
    awb: order.awb,
    courier_name: order.courier?.name ?? '',
    current_status: order.status.label,
    current_status_id: order.status.code,
    shipment_status: order.status.label,
    shipment_status_id: order.status.code,
    current_timestamp: istWebhookTimestamp(at),
    order_id: order.channelOrderId,
    sr_order_id: order.orderId,
    awb_assigned_date: order.awbAssignedAt === undefined ? null : istDateTime(order.awbAssignedAt),
    pickup_scheduled_date: order.pickupScheduledAt === undefined ? null : istDateTime(order.pickupScheduledAt),
    etd: istDateTime(order.createdAt + 4 * 86_400_000),
    // Oldest first in webhooks (the track answer is newest first).
    scans: order.scans.map((scan) => ({ ...scan })),
    is_return: 0,
    channel_id: 5_000_001,
    pod_status: '',
    pod: 'Not Available',
  };
}

/**
 * Laravel's validation of the adhoc order: required fields by name ("The billing pincode field
 * is required."), then the schema's formats. Only the first message per field, as Laravel stops there.
 */
function orderProblems(body: Record<string, unknown>): SandboxResponse | undefined {
  const errors: Record<string, string | undefined> = {};
  const required = ['order_id', 'order_date', 'pickup_location', 'billing_customer_name', 'billing_address', 'billing_city', 'billing_pincode', 'billing_state', 'billing_country', 'billing_email', 'billing_phone', 'order_items', 'payment_method', 'sub_total', 'length', 'breadth', 'height', 'weight'];
  for (const field of required) {
    if (body[field] === undefined || body[field] === '' || body[field] === null) errors[field] = `The ${field.replace(/_/g, ' ')} field is required.`;
  }
  if (body.shipping_is_billing === false || body.shipping_is_billing === 0) {
    for (const field of ['shipping_customer_name', 'shipping_address', 'shipping_city', 'shipping_pincode', 'shipping_state', 'shipping_country', 'shipping_phone']) {
      if (body[field] === undefined || body[field] === '') errors[field] = `The ${field.replace(/_/g, ' ')} field is required when shipping is billing is false.`;
    }
  }
  if (typeof body.pickup_location === 'string' && body.pickup_location !== '' && !(SANDBOX_PICKUP_LOCATIONS as readonly string[]).includes(body.pickup_location)) {
    errors.pickup_location = `Wrong Pickup location entered. Please choose one location from data given: ${SANDBOX_PICKUP_LOCATIONS.join(', ')}`;
  }
  if (Object.values(errors).every((message) => message === undefined)) {
    for (const problem of Value.Errors(acceptedOrder, body)) {
      const field = problem.path.split('/')[1] ?? 'order';
      errors[field] ??= `The ${field.replace(/_/g, ' ')} is invalid: ${problem.message}.`;
    }
  }
  return invalid(errors);
}

function invalid(fields: Record<string, string | undefined>): SandboxResponse | undefined {
  const errors = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined).map(([field, message]) => [field, [message]]));
  return Object.keys(errors).length === 0 ? undefined : { status: 422, body: { message: ERROR_MESSAGES.invalidData, errors, status_code: 422 } };
}

/** Shiprocket answers a courier that cannot take the shipment with HTTP 200 and awb_assign_status 0. */
function assignRefused(reason: string): SandboxResponse {
  return { body: { awb_assign_status: 0, response: { data: { awb_assign_error: reason } } } };
}

function error(status: number, message: string): SandboxResponse {
  return { status, body: { message, status_code: status } };
}

function objectBody(request: SandboxRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function titleCase(label: string): string {
  return label.toLowerCase().replace(/\b[a-z]/g, (letter) => letter.toUpperCase());
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
