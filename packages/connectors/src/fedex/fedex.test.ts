import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuthError, NotFoundError, RateLimitedError, RetryableError, ValidationError, canonical, type CanonicalShipment, type Infer } from '@weft/sdk';
import { connectorContract, createTestHttpClient, runAction, verifyWebhookSignature, type TestHttpClient, startWebhookReceiver } from '@weft/sdk/testing';
import { cancelShipment } from './cancel-shipment.action.ts';
import { createShipment } from './create-shipment.action.ts';
import { createShipmentToShipment, shipmentStatus, shipmentToCreateShipment, trackToShipment, trackingEventToShipment } from './fedex.canonical.ts';
import { fedex } from './fedex.connector.ts';
import { FEDEX_ERRORS, SANDBOX_ACCOUNT_NUMBER, SEED_SHIPMENTS, SIGNATURE_VECTOR, TOKEN_LIFETIME_SECONDS } from './fedex.fixtures.ts';
import { startFedexSandbox, type FedexSandbox } from './fedex.sandbox.ts';
import type { trackResponse } from './fedex.schemas.ts';
import { trackShipment } from './track-shipment.action.ts';
import { trackingEvent, trackingEventId } from './tracking-event.trigger.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';


const DELIVERED = SEED_SHIPMENTS[0].trackingNumber;
const IN_TRANSIT = SEED_SHIPMENTS[1].trackingNumber;

const party = (city: string, state: string, postalCode: string) => ({
  address: { streetLines: ['10 FedEx Parkway'], city, stateOrProvinceCode: state, postalCode, countryCode: 'US' },
  contact: { personName: 'Ada Lovelace', phoneNumber: '9015551234' },
});

const CREATE_INPUT = {
  labelResponseOptions: 'LABEL' as const,
  requestedShipment: {
    shipper: party('MEMPHIS', 'TN', '38116'),
    recipients: [party('SEATTLE', 'WA', '98101')],
    pickupType: 'DROPOFF_AT_FEDEX_LOCATION' as const,
    serviceType: 'FEDEX_GROUND',
    packagingType: 'YOUR_PACKAGING',
    shippingChargesPayment: { paymentType: 'SENDER' as const },
    labelSpecification: { imageType: 'PDF' as const, labelStockType: 'PAPER_4X6' as const },
    requestedPackageLineItems: [{ weight: { units: 'LB' as const, value: 2.5 } }, { weight: { units: 'LB' as const, value: 4 } }],
  },
};

connectorContract({
  connector: fedex,
  startSandbox: () => startFedexSandbox(),
  connection: (sandbox) => {
    const fedexSandbox = sandbox as FedexSandbox;
    return { config: { baseUrl: fedexSandbox.url, accountNumber: fedexSandbox.accountNumber }, credentials: { accessToken: fedexSandbox.issueToken() } };
  },
  probeAction: 'track-shipment',
  samples: {
    'create-shipment': {
      input: CREATE_INPUT,
      expect: (output) => {
        const [shipment] = (output as Infer<typeof createShipment.output>).output.transactionShipments;
        assert.equal(shipment?.pieceResponses.length, 2);
        assert.equal(shipment?.pieceResponses[0]?.trackingNumber, shipment?.masterTrackingNumber);
      },
    },
    'cancel-shipment': { input: { trackingNumber: IN_TRANSIT }, expect: (output) => assert.equal((output as Infer<typeof cancelShipment.output>).output.cancelledShipment, true) },
    'track-shipment': { input: { trackingNumber: DELIVERED } },
  },
  triggers: { 'tracking-event': { type: 'IT' } },
});

describe('fedex against the FedEx sandbox', () => {
  let sandbox: FedexSandbox;
  let http: TestHttpClient;
  const connection = () => ({ id: 'fedex', config: { accountNumber: sandbox.accountNumber } });

  before(async () => {
    sandbox = await startFedexSandbox();
    http = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: `Bearer ${sandbox.issueToken()}` } });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  describe('OAuth token endpoint', () => {
    const tokenRequest = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${sandbox.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      });

    it('issues an hour-long bearer token for client_id and client_secret in the form body, and the token works', async () => {
      const response = await tokenRequest({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: sandbox.clientSecret });
      assert.equal(response.status, 200);
      const token = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(token).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(token.token_type, 'bearer');
      assert.equal(token.expires_in, TOKEN_LIFETIME_SECONDS);
      assert.equal(token.scope, 'CXS');
      const client = createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: `Bearer ${String(token.access_token)}` } });
      const tracked = await runAction(trackShipment, { trackingNumber: DELIVERED }, { http: client });
      assert.equal(tracked.output.completeTrackResults[0]?.trackingNumber, DELIVERED);
    });

    it('also takes the client credentials as HTTP Basic, which is how Weft\'s OAuth client sends them', async () => {
      const basic = Buffer.from(`${encodeURIComponent(sandbox.clientId)}:${encodeURIComponent(sandbox.clientSecret)}`).toString('base64');
      const response = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
      assert.equal(response.status, 200);
    });

    it('refuses a wrong client secret, or another grant, with 401 NOT.AUTHORIZED.ERROR in FedEx\'s error body', async () => {
      for (const body of [
        { grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: `${sandbox.clientSecret}x` },
        { grant_type: 'csp_credentials', client_id: sandbox.clientId, client_secret: sandbox.clientSecret },
      ]) {
        const response = await tokenRequest(body);
        assert.equal(response.status, 401);
        const answer = (await response.json()) as { transactionId: string; errors: unknown };
        assert.equal(typeof answer.transactionId, 'string');
        assert.deepEqual(answer.errors, [FEDEX_ERRORS.badClientCredentials]);
      }
    });

    it('refuses an expired or forged token with 401 "Access token expired", an AuthError', async () => {
      let clock = Date.now();
      const timed = await startFedexSandbox({ now: () => clock });
      try {
        const client = createTestHttpClient({ baseUrl: timed.url, headers: { authorization: `Bearer ${timed.issueToken()}` } });
        await runAction(trackShipment, { trackingNumber: DELIVERED }, { http: client });
        clock += TOKEN_LIFETIME_SECONDS * 1000;
        const error = await runAction(trackShipment, { trackingNumber: DELIVERED }, { http: client }).catch((e: unknown) => e);
        assert.ok(error instanceof AuthError);
        assert.match(error.message, /NOT\.AUTHORIZED\.ERROR: Access token expired/);
        const forged = await fetch(`${timed.url}/track/v1/trackingnumbers`, { method: 'POST', headers: { authorization: 'Bearer abc.def' } });
        assert.equal(forged.status, 401);
      } finally {
        await timed.close();
      }
    });
  });

  describe('shipments', () => {
    it('creates a shipment that can then be tracked by any package\'s number and cancelled', async () => {
      const created = await runAction(createShipment, { ...CREATE_INPUT, customerTransactionId: 'order-1001' }, { http, connection: connection() });
      assert.equal(created.customerTransactionId, 'order-1001');
      const [shipment] = created.output.transactionShipments;
      const master = shipment!.masterTrackingNumber;
      assert.equal(createShipment.xref?.id(created), master);
      const label = Buffer.from(shipment!.pieceResponses[0]!.packageDocuments[0]!.encodedLabel!, 'base64').toString('utf8');
      assert.match(label, new RegExp(`^%PDF-1\\.4[\\s\\S]*${master}`));
      assert.deepEqual((sandbox.requests()[0]!.body as { accountNumber: unknown }).accountNumber, { value: SANDBOX_ACCOUNT_NUMBER });

      const second = shipment!.pieceResponses[1]!.trackingNumber;
      const tracked = await runAction(trackShipment, { trackingNumber: second }, { http });
      const result = tracked.output.completeTrackResults[0]!.trackResults[0]!;
      assert.equal(result.latestStatusDetail?.code, 'OC');
      assert.equal(result.latestStatusDetail?.statusByLocale, 'Label created');

      const cancelled = await runAction(cancelShipment, { trackingNumber: master }, { http, connection: connection() });
      assert.equal(cancelled.output.cancelledShipment, true);
      const after = await runAction(trackShipment, { trackingNumber: master }, { http });
      assert.equal(after.output.completeTrackResults[0]!.trackResults[0]!.latestStatusDetail?.code, 'CA');
    });

    it('gives a label link for URL_ONLY that serves the label', async () => {
      const created = await runAction(createShipment, { ...CREATE_INPUT, labelResponseOptions: 'URL_ONLY' }, { http, connection: connection() });
      const document = created.output.transactionShipments[0]!.pieceResponses[0]!.packageDocuments[0]!;
      assert.equal(document.encodedLabel, undefined);
      const label = await fetch(document.url!);
      assert.equal(label.headers.get('content-type'), 'application/pdf');
      assert.match(await label.text(), /^%PDF/);
    });

    it('refuses missing required fields with 400 and FedEx\'s codes, naming the field', async () => {
      const { shipper: _shipper, ...withoutShipper } = CREATE_INPUT.requestedShipment;
      const response = await fetch(`${sandbox.url}/ship/v1/shipments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.issueToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ labelResponseOptions: 'LABEL', requestedShipment: { ...withoutShipper, pickupType: 'SOMETIME' } }),
      });
      assert.equal(response.status, 400);
      const { errors } = (await response.json()) as { errors: { code: string; parameterList?: { value: string }[] }[] };
      assert.deepEqual(
        errors.map((error) => [error.code, error.parameterList?.[0]?.value]),
        [
          [FEDEX_ERRORS.accountRequired.code, undefined],
          ['INVALID.INPUT.EXCEPTION', 'requestedShipment.shipper'],
          ['INVALID.INPUT.EXCEPTION', 'requestedShipment.pickupType'],
        ],
      );
      assert.equal(sandbox.state().shipments.size, SEED_SHIPMENTS.length);
    });

    it('turns a refused create into a ValidationError that carries FedEx\'s code', async () => {
      const input = { ...CREATE_INPUT, requestedShipment: { ...CREATE_INPUT.requestedShipment, recipients: [{ ...party('SEATTLE', 'WA', '98101'), contact: { phoneNumber: '' } }] } };
      const error = await runAction(createShipment, input, { http, connection: connection() }).catch((e: unknown) => e);
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /INVALID\.INPUT\.EXCEPTION: Invalid field value in the input/);
    });

    it('fails before any request when neither the input nor the connection names an account', async () => {
      const error = await runAction(createShipment, CREATE_INPUT, { http, connection: { id: 'fedex', config: {} } }).catch((e: unknown) => e);
      assert.ok(error instanceof ValidationError);
      assert.equal(error.code, 'ERR_FEDEX_NO_ACCOUNT_NUMBER');
      assert.equal(sandbox.requests().length, 0);
    });

    it('refuses to cancel another account\'s or an unknown shipment with SHIPMENT.USER.UNAUTHORIZED', async () => {
      for (const input of [{ trackingNumber: IN_TRANSIT, accountNumber: { value: '123456789' } }, { trackingNumber: '799999999999' }]) {
        const error = await runAction(cancelShipment, input, { http, connection: connection() }).catch((e: unknown) => e);
        assert.ok(error instanceof ValidationError);
        assert.match(error.message, /SHIPMENT\.USER\.UNAUTHORIZED/);
      }
    });
  });

  describe('tracking', () => {
    it('answers an unknown number like FedEx (200, error inside the result), which the action reports as NotFoundError', async () => {
      const raw = await http.request({ method: 'POST', path: '/track/v1/trackingnumbers', body: { includeDetailedScans: true, trackingInfo: [{ trackingNumberInfo: { trackingNumber: '123456789012' } }] } });
      assert.equal(raw.status, 200);
      const [complete] = (raw.body as Infer<typeof trackResponse>).output.completeTrackResults;
      assert.deepEqual(complete?.trackResults[0]?.error, { code: FEDEX_ERRORS.trackingNumberNotFound.code, message: FEDEX_ERRORS.trackingNumberNotFound.message });
      const error = await runAction(trackShipment, { trackingNumber: '123456789012' }, { http }).catch((e: unknown) => e);
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.code, 'ERR_FEDEX_TRACKING_NUMBER_NOT_FOUND');
    });

    it('refuses a request without tracking numbers with 400 TRACKING.TRACKINGNUMBER.EMPTY', async () => {
      const request = { method: 'POST' as const, path: '/track/v1/trackingnumbers', body: { includeDetailedScans: true, trackingInfo: [] } };
      const error = await http.request(request, { errors: trackShipment.errors! }).catch((e: unknown) => e);
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, /TRACKING\.TRACKINGNUMBER\.EMPTY: Please provide tracking number/);
    });

    it('lists scans newest first only with includeDetailedScans', async () => {
      const detailed = await runAction(trackShipment, { trackingNumber: DELIVERED }, { http });
      const scans = detailed.output.completeTrackResults[0]!.trackResults[0]!.scanEvents!;
      assert.deepEqual(scans.map((scan) => scan.eventType), [...SEED_SHIPMENTS[0].scans].reverse());
      const brief = await runAction(trackShipment, { trackingNumber: DELIVERED, includeDetailedScans: false }, { http });
      assert.deepEqual(brief.output.completeTrackResults[0]!.trackResults[0]!.scanEvents, []);
    });
  });

  describe('rate limits and faults', () => {
    it('throttles past its window with 429 TOO.MANY.REQUESTS and Retry-After, a RateLimitedError', async () => {
      const limited = await startFedexSandbox({ rateLimit: { requests: 3, windowMs: 10_000 } });
      try {
        const client = createTestHttpClient({ baseUrl: limited.url, headers: { authorization: `Bearer ${limited.issueToken()}` } });
        const results = await Promise.allSettled(Array.from({ length: 4 }, () => runAction(trackShipment, { trackingNumber: DELIVERED }, { http: client })));
        assert.equal(results.filter((result) => result.status === 'fulfilled').length, 3);
        const refused = results.find((result) => result.status === 'rejected');
        assert.ok(refused?.status === 'rejected' && refused.reason instanceof RateLimitedError);
        assert.ok((refused.reason.retryAfterMs ?? 0) > 0);
        assert.match(refused.reason.message, /TOO\.MANY\.REQUESTS/);
      } finally {
        await limited.close();
      }
    });

    it('answers injected faults in FedEx\'s error body', async () => {
      sandbox.faults.set({ failNext: { count: 1, status: 503 } });
      const error = await runAction(trackShipment, { trackingNumber: DELIVERED }, { http }).catch((e: unknown) => e);
      assert.ok(error instanceof RetryableError);
      assert.match(error.message, /SERVICE\.UNAVAILABLE\.ERROR/);
    });
  });

  describe('tracking webhooks', () => {
    let receiver: { url: string; received: { rawBody: string; headers: Record<string, string> }[]; close(): Promise<void> };
    before(async () => {
      receiver = await startWebhookReceiver('/fedex');
    });
    after(() => receiver.close());
    beforeEach(() => receiver.received.splice(0));

    it('verifies the written-down fdx-signature vector, and rejects a tampered body', () => {
      const { signature } = trackingEvent.webhook!;
      const delivery = { rawBody: SIGNATURE_VECTOR.rawBody, headers: { 'fdx-signature': SIGNATURE_VECTOR.signature }, nowMs: Date.now() };
      assert.deepEqual(verifyWebhookSignature({ signature, secret: SIGNATURE_VECTOR.securityToken, ...delivery }), { ok: true });
      const tampered = { ...delivery, rawBody: SIGNATURE_VECTOR.rawBody.replace('"DL"', '"DE"') };
      assert.equal(verifyWebhookSignature({ signature, secret: SIGNATURE_VECTOR.securityToken, ...tampered }).ok, false);
    });

    it('signs a delivery exactly like the vector', async () => {
      const signer = await startFedexSandbox({ webhookSecret: SIGNATURE_VECTOR.securityToken });
      try {
        const [delivery] = await signer.webhooks.send({ url: receiver.url, event: JSON.parse(SIGNATURE_VECTOR.rawBody) });
        assert.equal(delivery?.headers['fdx-signature'], SIGNATURE_VECTOR.signature);
      } finally {
        await signer.close();
      }
    });

    it('delivers a scan for a shipment through /_sandbox/webhooks/deliver, then tracking shows it', async () => {
      const control = await fetch(`${sandbox.url}/_sandbox/webhooks/deliver`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, type: 'DL', data: { trackingNumber: IN_TRANSIT }, duplicate: true }),
      });
      assert.equal(control.status, 200);
      assert.equal(receiver.received.length, 2);
      const [first, again] = receiver.received.map(({ rawBody, headers }) => ({ body: JSON.parse(rawBody) as Infer<typeof trackResponse>, headers }));
      assert.equal(trackingEvent.webhook!.dedupeId(first!.headers, first!.body), trackingEvent.webhook!.dedupeId(again!.headers, again!.body));
      assert.equal(first!.body.output.completeTrackResults[0]!.trackResults[0]!.latestStatusDetail?.code, 'DL');
      const tracked = await runAction(trackShipment, { trackingNumber: IN_TRANSIT }, { http });
      assert.equal(tracked.output.completeTrackResults[0]!.trackResults[0]!.latestStatusDetail?.derivedCode, 'DL');
    });

    it('gives each new scan of one shipment a new dedupe id', async () => {
      const ids: (string | undefined)[] = [];
      for (const type of ['OD', 'DL']) {
        const [delivery] = await sandbox.webhooks.emit({ url: receiver.url, type, data: { trackingNumber: IN_TRANSIT } });
        ids.push(trackingEventId(JSON.parse(delivery!.body)));
      }
      assert.equal(new Set(ids).size, 2);
    });
  });

  describe('mappings, validated against the canonical shipment schema', () => {
    const assertCanonical = (shipment: CanonicalShipment) => assertMatchesSchema(canonical.Shipment, shipment, 'canonical shipment');

    it('maps a created shipment to a label-created canonical shipment', async () => {
      const created = await runAction(createShipment, CREATE_INPUT, { http, connection: connection() });
      const shipment = createShipmentToShipment.map(created);
      assertCanonical(shipment);
      assert.equal(shipment.carrier, 'fedex');
      assert.equal(shipment.status, 'label-created');
      assert.equal(shipment.trackingNumber, created.output.transactionShipments[0]!.masterTrackingNumber);
      assert.equal((shipment.custom?.packageTrackingNumbers as string[]).length, 2);
    });

    it('maps tracking of a delivered shipment with its scans oldest first and the delivery time', async () => {
      const tracked = await runAction(trackShipment, { trackingNumber: DELIVERED }, { http });
      const shipment = trackToShipment.map(tracked);
      assertCanonical(shipment);
      assert.equal(shipment.status, 'delivered');
      assert.deepEqual(shipment.events?.map((event) => event.status), ['label-created', 'in-transit', 'in-transit', 'in-transit', 'out-for-delivery', 'delivered']);
      assert.equal(shipment.deliveredAt, shipment.events?.at(-1)?.at);
      assert.equal(shipment.shippedAt, shipment.events?.[1]?.at);
      assert.equal(shipment.events?.[0]?.location, 'MEMPHIS, TN, US');
    });

    it('maps a vendor-shaped webhook: offsets normalised, times without an offset dropped, unknown scans in transit', () => {
      const pushed = {
        transactionId: 'a1',
        output: {
          completeTrackResults: [
            {
              trackingNumber: '794612345678',
              trackResults: [
                {
                  trackingNumberInfo: { trackingNumber: '794612345678', carrierCode: 'FDXE' },
                  latestStatusDetail: { code: 'DE', derivedCode: 'DE', statusByLocale: 'Delivery exception', description: 'Customer not available or business closed' },
                  serviceDetail: { type: 'PRIORITY_OVERNIGHT' },
                  dateAndTimes: [{ type: 'ACTUAL_PICKUP', dateTime: '2026-03-01T09:00:00' }],
                  recipientInformation: { address: { city: 'AUSTIN', stateOrProvinceCode: 'TX', countryCode: 'US' } },
                  scanEvents: [
                    { date: '2026-03-02T08:10:00 -0600', eventType: 'DE', eventDescription: 'Customer not available or business closed', derivedStatusCode: 'DE', scanLocation: { city: 'AUSTIN', countryCode: 'US' } },
                    { date: '2026-03-01T22:00:00-05:00', eventType: 'AF', eventDescription: 'At local FedEx facility' },
                    { date: 'not a date', eventType: 'PU' },
                  ],
                },
              ],
            },
          ],
        },
      };
      const shipment = trackingEventToShipment.map(pushed);
      assertCanonical(shipment);
      assert.equal(shipment.status, 'exception');
      assert.equal(shipment.shippedAt, undefined);
      assert.equal(shipment.shipTo, undefined);
      assert.deepEqual(shipment.events, [
        { at: '2026-03-01T22:00:00-05:00', status: 'in-transit', description: 'At local FedEx facility' },
        { at: '2026-03-02T08:10:00-06:00', status: 'exception', description: 'Customer not available or business closed', location: 'AUSTIN, US' },
      ]);
    });

    it('reads derived codes before raw ones', () => {
      assert.equal(shipmentStatus('DL', 'XX'), 'delivered');
      assert.equal(shipmentStatus(undefined, 'OC'), 'label-created');
      assert.equal(shipmentStatus('', 'CA'), 'cancelled');
      assert.equal(shipmentStatus(undefined, 'AR'), 'in-transit');
    });

    const order = {
      number: '#1001',
      status: 'confirmed' as const,
      currency: 'USD',
      customer: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', phone: '+14155550100' },
      shippingAddress: { lines: ['1 Harbor Way', 'Unit 5'], city: 'San Francisco', region: 'US-CA', postalCode: '94107', country: 'US' },
      lines: [{ sku: 'MUG-1', quantity: { value: '1', unit: 'each' }, unitPrice: { amount: '12.00', currency: 'USD' }, total: { amount: '12.00', currency: 'USD' } }],
      subtotal: { amount: '12.00', currency: 'USD' },
      total: { amount: '12.00', currency: 'USD' },
      placedAt: '2026-03-01T10:00:00Z',
    };
    const mappingInput = {
      shipment: { carrier: 'fedex', service: 'FEDEX_GROUND', trackingNumber: 'pending', status: 'label-created' as const },
      order,
      shipFrom: { company: 'Weft Warehouse', lines: ['3875 Airways Blvd'], city: 'Memphis', region: 'TN', postalCode: '38116', country: 'US', phone: '+19015550199' },
      packages: [{ weight: { value: '1.5', unit: 'kg' } }],
    };

    it('maps a canonical shipment and order to a create-shipment input the sandbox books', async () => {
      const input = shipmentToCreateShipment.map(mappingInput);
      const recipient = input.requestedShipment.recipients[0]!;
      assert.deepEqual(recipient.address, { streetLines: ['1 Harbor Way', 'Unit 5'], city: 'San Francisco', stateOrProvinceCode: 'CA', postalCode: '94107', countryCode: 'US' });
      assert.deepEqual(recipient.contact, { personName: 'Grace Hopper', phoneNumber: '4155550100', emailAddress: 'grace@example.com' });
      assert.deepEqual(input.requestedShipment.requestedPackageLineItems, [{ sequenceNumber: 1, weight: { units: 'KG', value: 1.5 } }]);
      assert.equal(input.customerTransactionId, '#1001');
      const created = await runAction(createShipment, input, { http, connection: connection() });
      assert.equal(created.output.transactionShipments[0]!.serviceType, 'FEDEX_GROUND');
    });

    it('refuses what FedEx would refuse: no phone, a weight in stones, a service that is not a FedEx service type', () => {
      const { phone: _phone, ...shipFromWithoutPhone } = mappingInput.shipFrom;
      assert.throws(() => shipmentToCreateShipment.map({ ...mappingInput, shipFrom: shipFromWithoutPhone }), /shipFrom has no phone number/);
      assert.throws(() => shipmentToCreateShipment.map({ ...mappingInput, packages: [{ weight: { value: '1', unit: 'st' } }] }), /FedEx takes kg or lb/);
      assert.throws(() => shipmentToCreateShipment.map({ ...mappingInput, shipment: { ...mappingInput.shipment, service: 'ground' } }), /FedEx service type/);
    });
  });
});

describe('fedex facts, cross-checked against the FedEx OpenAPI files when ../shared is present', () => {
  const raw = fileURLToPath(new URL('../../../../../shared/specs/fedex/resources/models/.raw/', import.meta.url));
  const read = (path: string) => JSON.parse(readFileSync(raw + path, 'utf8')) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { example?: unknown }> }> }>>; components: { schemas: Record<string, { required?: string[] }> } };
  const example = (spec: ReturnType<typeof read>, path: string, method: string, status: string) =>
    (spec.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.example as { errors: unknown[] } | undefined)?.errors[0];
  const present = existsSync(raw);

  it('uses the spec\'s error codes and sentences', { skip: !present && 'the specs are not checked out beside the repo' }, () => {
    const auth = read('authorization/v1/APIAuthorization-Resource.json');
    assert.deepEqual(example(auth, '/oauth/token', 'post', '401'), FEDEX_ERRORS.badClientCredentials);
    const ship = read('ship/v1/Shipment-Resource.json');
    assert.deepEqual(example(ship, '/ship/v1/shipments', 'post', '401'), FEDEX_ERRORS.tokenExpired);
    assert.deepEqual(example(ship, '/ship/v1/shipments', 'post', '400'), FEDEX_ERRORS.accountRequired);
    assert.deepEqual(example(ship, '/ship/v1/shipments/cancel', 'put', '400'), FEDEX_ERRORS.shipmentUserUnauthorized);
    for (const [status, fact] of [['403', FEDEX_ERRORS.forbidden], ['404', FEDEX_ERRORS.notFound], ['500', FEDEX_ERRORS.internal], ['503', FEDEX_ERRORS.unavailable]] as const) {
      assert.deepEqual(example(ship, '/ship/v1/shipments', 'post', status), fact);
    }
    const track = read('track/v1/TrackingNumbers-Resource.json');
    assert.deepEqual(example(track, '/track/v1/trackingnumbers', 'post', '400'), FEDEX_ERRORS.trackingNumberEmpty);
    assert.deepEqual(track.components.schemas.Full_Schema_Tracking_Numbers?.required?.sort(), ['includeDetailedScans', 'trackingInfo']);
  });
});

