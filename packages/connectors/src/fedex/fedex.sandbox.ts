import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createSandbox, type RunningSandbox, type SandboxFailure, type SandboxRequest, type SandboxResponse } from '@weft/sdk/testing';
import {
  CLIENT_CREDENTIALS_GRANT,
  FEDEX_ERRORS,
  FEDEX_WEBHOOK_EVENT_TYPES,
  RATE_LIMIT,
  SANDBOX_ACCOUNT_NUMBER,
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_SECRET,
  SANDBOX_WEBHOOK_SECURITY_TOKEN,
  SIGNATURE_HEADER,
  TOKEN_LIFETIME_SECONDS,
  TOKEN_SCOPE,
  type FedexErrorFact,
  type ScanEventType,
} from './fedex.fixtures.ts';
import {
  addScan,
  carrierCode,
  newDemoShipment,
  notFoundResult,
  register,
  seedState,
  serviceName,
  trackResult,
  type FedexState,
  type Place,
  type SandboxShipment,
} from './sandbox-shipments.ts';
import { cancelShipmentProblems, createShipmentProblems, packageWeight, trackRequest, validAccountNumber, type FedexError } from './sandbox-validation.ts';

/**
 * A stateful fake of the FedEx APIs the connector uses: the OAuth token endpoint (expiring bearer
 * tokens, bad client credentials refused with 401 NOT.AUTHORIZED.ERROR), create and cancel
 * shipment, and tracking, with FedEx's `{ transactionId, errors: [{ code, message }] }` error
 * body, its 1400-per-10-seconds rate limit, and Advanced Integrated Visibility webhooks signed with
 * `fdx-signature`. A created shipment can be tracked (by any package's number) and cancelled.
 *
 * Client credentials are taken from the form body, as FedEx documents, and also from an HTTP
 * Basic header, which is how Weft's OAuth client sends them today (RFC 6749's default).
 */

export type { FedexState } from './sandbox-shipments.ts';

export interface FedexSandbox extends RunningSandbox<FedexState> {
  clientId: string;
  clientSecret: string;
  accountNumber: string;
  /** The AIV security token its webhooks are signed with: a connection's webhookSecret. */
  webhookSecret: string;
  /** A bearer token issued now, for tests that skip the token exchange. */
  issueToken(): string;
}

export interface FedexSandboxOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  accountNumber?: string;
  webhookSecret?: string;
  /** Default FedEx's 1400 requests per 10 seconds. */
  rateLimit?: { requests: number; windowMs: number };
  now?: () => number;
  random?: () => number;
}

const TOKEN_PATH = '/oauth/token';
const LABEL_PATH = '/document/v1/cache/retrieve';

export async function startFedexSandbox(options: FedexSandboxOptions = {}): Promise<FedexSandbox> {
  const clientId = options.clientId ?? SANDBOX_CLIENT_ID;
  const clientSecret = options.clientSecret ?? SANDBOX_CLIENT_SECRET;
  const accountNumber = options.accountNumber ?? SANDBOX_ACCOUNT_NUMBER;
  const webhookSecret = options.webhookSecret ?? SANDBOX_WEBHOOK_SECURITY_TOKEN;
  const now = options.now ?? Date.now;
  // Tokens are signed rather than stored, so they outlive reset() as FedEx's JWTs outlive anything a test does.
  const tokenKey = randomBytes(32);

  const issueToken = (): string => {
    const payload = Buffer.from(JSON.stringify({ sub: clientId, exp: Math.floor(now() / 1000) + TOKEN_LIFETIME_SECONDS })).toString('base64url');
    return `${payload}.${createHmac('sha256', tokenKey).update(payload).digest('base64url')}`;
  };
  const tokenIsValid = (token: string): boolean => {
    const [payload = '', signature = ''] = token.split('.');
    const expected = createHmac('sha256', tokenKey).update(payload).digest('base64url');
    if (!safeEqual(signature, expected)) return false;
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
    return exp > now() / 1000;
  };

  const sandbox = createSandbox<FedexState>({
    name: 'fedex',
    seed: () => seedState(accountNumber),
    now,
    ...(options.random === undefined ? {} : { random: options.random }),
    rateLimit: options.rateLimit ?? { requests: RATE_LIMIT.requests, windowMs: RATE_LIMIT.windowMs },
    authenticate: (request) => {
      // The token endpoint checks client credentials itself; label links are fetched without a token.
      if (request.path === TOKEN_PATH || request.path.startsWith(`${LABEL_PATH}/`)) return undefined;
      const [scheme = '', token = ''] = (request.headers.authorization ?? '').trim().split(/\s+/, 2);
      if (scheme.toLowerCase() === 'bearer' && token !== '' && tokenIsValid(token)) return undefined;
      return fedexError(request, 401, [FEDEX_ERRORS.tokenExpired]);
    },
    errorResponse: (failure, request) => fedexError(request, failure.status, [errorFor(failure)]),
    routes: [
      {
        method: 'POST',
        path: TOKEN_PATH,
        handle: (request) => {
          const credentials = clientCredentials(request);
          const grant = formField(request, 'grant_type');
          if (grant !== CLIENT_CREDENTIALS_GRANT || credentials?.id !== clientId || !safeEqual(credentials.secret, clientSecret)) {
            return fedexError(request, 401, [FEDEX_ERRORS.badClientCredentials]);
          }
          return { body: { access_token: issueToken(), token_type: 'bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope: TOKEN_SCOPE } };
        },
      },
      {
        method: 'POST',
        path: '/ship/v1/shipments',
        handle: (request, { state, url }) => {
          const problems = createShipmentProblems(request.body);
          if (problems.length > 0) return fedexError(request, 400, problems);
          return fedexAnswer(request, { transactionShipments: [shipmentAnswer(book(state, request.body as CreateBody), request.body as CreateBody, url)] });
        },
      },
      {
        method: 'PUT',
        path: '/ship/v1/shipments/cancel',
        handle: (request, { state }) => {
          const problems = cancelShipmentProblems(request.body);
          if (problems.length > 0) return fedexError(request, 400, problems);
          const body = request.body as { accountNumber: unknown; trackingNumber: string };
          const shipment = state.shipments.get(body.trackingNumber.trim());
          // An unknown number and another account's shipment get the same answer: the caller may not touch either.
          if (shipment === undefined || shipment.accountNumber !== validAccountNumber(body.accountNumber)) {
            return fedexError(request, 400, [FEDEX_ERRORS.shipmentUserUnauthorized]);
          }
          if (shipment.scans.at(-1)?.eventType !== 'CA') addScan(shipment, 'CA', now());
          return fedexAnswer(request, { cancelledShipment: true, cancelledHistory: true, message: 'Shipment is successfully cancelled' });
        },
      },
      {
        method: 'POST',
        path: '/track/v1/trackingnumbers',
        handle: (request, { state }) => {
          const asked = trackRequest(request.body);
          if ('problems' in asked) return fedexError(request, 400, asked.problems);
          return fedexAnswer(request, { completeTrackResults: asked.numbers.map((number) => completeTrackResult(state, number, asked.detailed)) });
        },
      },
      {
        method: 'GET',
        path: `${LABEL_PATH}/:key`,
        handle: (request, { state }) => {
          const trackingNumber = /^SH,([0-9]+)_LABEL$/.exec(request.params.key ?? '')?.[1];
          if (trackingNumber === undefined || !state.shipments.has(trackingNumber)) return fedexError(request, 404, [FEDEX_ERRORS.notFound]);
          return { headers: { 'content-type': 'application/pdf' }, body: labelDocument(trackingNumber).toString('utf8') };
        },
      },
    ],
    webhooks: {
      sign: (rawBody) => ({ [SIGNATURE_HEADER]: createHmac('sha256', webhookSecret).update(rawBody, 'utf8').digest('base64') }),
      event: (type, { state }, data) => {
        if (!(FEDEX_WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) {
          throw new Error(`the FedEx sandbox sends scans of type ${FEDEX_WEBHOOK_EVENT_TYPES.join(', ')}, not ${type}`);
        }
        const named = typeof data === 'object' && data !== null ? (data as { trackingNumber?: unknown }).trackingNumber : undefined;
        const shipment = typeof named === 'string' ? state.shipments.get(named) : newDemoShipment(state, accountNumber, now());
        if (shipment === undefined) throw new Error(`the FedEx sandbox has no shipment with tracking number ${String(named)}`);
        addScan(shipment, type as ScanEventType, now());
        const trackingNumber = typeof named === 'string' ? named : shipment.masterTrackingNumber;
        return { transactionId: randomUUID(), output: { completeTrackResults: [{ trackingNumber, trackResults: [trackResult(shipment, trackingNumber, true)] }] } };
      },
    },
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, { clientId, clientSecret, accountNumber, webhookSecret, issueToken });

  function book(state: FedexState, body: CreateBody): SandboxShipment {
    const shipment = body.requestedShipment;
    const at = now();
    const items = shipment.requestedPackageLineItems;
    const trackingNumbers = items.map(() => state.nextTrackingNumber());
    const booked = register(state, {
      masterTrackingNumber: trackingNumbers[0]!,
      trackingNumbers,
      accountNumber: body.accountNumber.value,
      serviceType: shipment.serviceType,
      packagingType: shipment.packagingType,
      shipDatestamp: shipment.shipDatestamp ?? new Date(at).toISOString().slice(0, 10),
      origin: placeOf(shipment.shipper.address),
      destination: placeOf(shipment.recipients[0]!.address),
      weights: items.map((item) => ({ units: item.weight.units, value: packageWeight(item.weight.value)! })),
      scans: [],
    });
    addScan(booked, 'OC', at);
    return booked;
  }
}

interface CreateBody {
  accountNumber: { value: string };
  labelResponseOptions: 'LABEL' | 'URL_ONLY';
  requestedShipment: {
    shipDatestamp?: string;
    shipper: { address: Place & { streetLines: string[] } };
    recipients: { address: Place & { streetLines: string[] } }[];
    serviceType: string;
    packagingType: string;
    labelSpecification: { imageType?: string };
    requestedPackageLineItems: { weight: { units: string; value: number | string } }[];
  };
}

function placeOf(address: Place): Place {
  return {
    city: address.city,
    countryCode: address.countryCode,
    ...(address.stateOrProvinceCode === undefined ? {} : { stateOrProvinceCode: address.stateOrProvinceCode }),
    ...(address.postalCode === undefined ? {} : { postalCode: address.postalCode }),
  };
}

function shipmentAnswer(shipment: SandboxShipment, body: CreateBody, url: string): Record<string, unknown> {
  const imageType = body.requestedShipment.labelSpecification.imageType ?? 'PDF';
  const category = carrierCode(shipment.serviceType) === 'FDXG' ? 'GROUND' : 'EXPRESS';
  return {
    serviceType: shipment.serviceType,
    serviceName: serviceName(shipment.serviceType),
    serviceCategory: category,
    shipDatestamp: shipment.shipDatestamp,
    masterTrackingNumber: shipment.masterTrackingNumber,
    pieceResponses: shipment.trackingNumbers.map((trackingNumber, index) => ({
      masterTrackingNumber: shipment.masterTrackingNumber,
      trackingNumber,
      packageSequenceNumber: index + 1,
      serviceCategory: category,
      trackingIdType: carrierCode(shipment.serviceType) === 'FDXG' ? 'GROUND' : 'FEDEX',
      packageDocuments: [
        {
          contentType: 'LABEL',
          copiesToPrint: 1,
          docType: imageType,
          trackingNumber,
          ...(body.labelResponseOptions === 'LABEL'
            ? { encodedLabel: labelDocument(trackingNumber, imageType).toString('base64') }
            : { url: `${url}${LABEL_PATH}/SH,${trackingNumber}_LABEL` }),
        },
      ],
    })),
  };
}

/** A stand-in label that names its tracking number: a one-line PDF, or ZPL/EPL commands. */
function labelDocument(trackingNumber: string, imageType = 'PDF'): Buffer {
  if (imageType === 'ZPLII') return Buffer.from(`^XA^FO50,50^A0N,50,50^FDFedEx ${trackingNumber}^FS^XZ`);
  if (imageType === 'EPL2') return Buffer.from(`N\nA50,50,0,4,1,1,N,"FedEx ${trackingNumber}"\nP1\n`);
  const text = `BT /F1 24 Tf 72 720 Td (FedEx ${trackingNumber}) Tj ET`;
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]/Contents 4 0 R>>endobj\n` +
      `4 0 obj<</Length ${text.length}>>stream\n${text}\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

function completeTrackResult(state: FedexState, trackingNumber: string, detailed: boolean): Record<string, unknown> {
  const shipment = state.shipments.get(trackingNumber);
  return { trackingNumber, trackResults: [shipment === undefined ? notFoundResult(trackingNumber) : trackResult(shipment, trackingNumber, detailed)] };
}

/** FedEx echoes the caller's x-customer-transaction-id beside its own transaction id. */
function envelope(request: SandboxRequest): Record<string, unknown> {
  const customer = request.headers['x-customer-transaction-id'];
  return { transactionId: randomUUID(), ...(customer === undefined ? {} : { customerTransactionId: customer }) };
}

function fedexAnswer(request: SandboxRequest, output: Record<string, unknown>): SandboxResponse {
  return { body: { ...envelope(request), output } };
}

function fedexError(request: SandboxRequest, status: number, errors: readonly (FedexError | FedexErrorFact)[]): SandboxResponse {
  return { status, body: { ...envelope(request), errors: errors.map((error) => ({ ...error })) } };
}

/** FedEx's error for a failure the sandbox helper produced (fault injection, rate limit, bad body). */
function errorFor(failure: SandboxFailure): FedexError | FedexErrorFact {
  switch (failure.status) {
    case 401:
      return FEDEX_ERRORS.tokenExpired;
    case 403:
      return FEDEX_ERRORS.forbidden;
    case 404:
      return FEDEX_ERRORS.notFound;
    case 429:
      return FEDEX_ERRORS.tooManyRequests;
    case 503:
      return FEDEX_ERRORS.unavailable;
  }
  if (failure.status >= 500) return FEDEX_ERRORS.internal;
  return FEDEX_ERRORS.invalidInput;
}

function formField(request: SandboxRequest, name: string): string | undefined {
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * client_id and client_secret from the form body (FedEx's way), else from HTTP Basic (RFC 6749
 * §2.3.1: each part form-urlencoded, then base64).
 */
function clientCredentials(request: SandboxRequest): { id: string; secret: string } | undefined {
  const id = formField(request, 'client_id');
  const secret = formField(request, 'client_secret');
  if (id !== undefined && secret !== undefined) return { id, secret };
  const [scheme = '', encoded = ''] = (request.headers.authorization ?? '').trim().split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const unform = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return part;
    }
  };
  return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
}

function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
