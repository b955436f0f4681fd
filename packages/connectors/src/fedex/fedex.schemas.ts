import { schema } from '@weft/sdk';
import { LABEL_IMAGE_TYPES, LABEL_RESPONSE_OPTIONS, LABEL_STOCK_TYPES, PAYMENT_TYPES, PICKUP_TYPES, WEIGHT_UNITS } from './fedex.fixtures.ts';

/**
 * The parts of FedEx's Ship and Track documents the connector sends and flows read, with FedEx's
 * own field names so FedEx's API reference applies as written (components.schemas of the ship and
 * track v1 OpenAPI files). Response objects allow fields not listed: FedEx answers with many more.
 */

export const pickupType = schema.Union(PICKUP_TYPES.map((value) => schema.Literal(value)));
export const labelResponseOption = schema.Union(LABEL_RESPONSE_OPTIONS.map((value) => schema.Literal(value)), {
  description: 'LABEL returns the label itself (base64), URL_ONLY a link to it.',
});
export const labelImageType = schema.Union(LABEL_IMAGE_TYPES.map((value) => schema.Literal(value)));
export const labelStockType = schema.Union(LABEL_STOCK_TYPES.map((value) => schema.Literal(value)));
const paymentType = schema.Union(PAYMENT_TYPES.map((value) => schema.Literal(value)));
const weightUnit = schema.Union(WEIGHT_UNITS.map((value) => schema.Literal(value)));

export const accountNumber = schema.Object(
  { value: schema.String({ pattern: '^[0-9]{9}$', description: 'The 9-digit FedEx account number.' }) },
  { additionalProperties: false },
);

export const fedexAddress = schema.Object({
  streetLines: schema.Array(schema.String({ minLength: 1 }), { minItems: 1 }),
  city: schema.String({ minLength: 1, maxLength: 35 }),
  stateOrProvinceCode: schema.Optional(schema.String({ description: 'Required for US and CA addresses, e.g. TN.' })),
  postalCode: schema.Optional(schema.String()),
  countryCode: schema.String({ pattern: '^[A-Z]{2}$' }),
  residential: schema.Optional(schema.Boolean()),
});

export const fedexContact = schema.Object({
  personName: schema.Optional(schema.String()),
  companyName: schema.Optional(schema.String()),
  phoneNumber: schema.String({ pattern: '^[0-9]{1,15}$', description: 'Digits only; 10 for the US and Canada.' }),
  phoneExtension: schema.Optional(schema.String()),
  emailAddress: schema.Optional(schema.String()),
});

export const fedexParty = schema.Object({ address: fedexAddress, contact: fedexContact });

export const weight = schema.Object({
  units: weightUnit,
  value: schema.Number({ exclusiveMinimum: 0 }),
});

export const packageLineItem = schema.Object({
  weight,
  sequenceNumber: schema.Optional(schema.Integer({ minimum: 1 })),
  declaredValue: schema.Optional(schema.Object({ amount: schema.Number({ minimum: 0 }), currency: schema.String({ pattern: '^[A-Z]{3}$' }) })),
  itemDescription: schema.Optional(schema.String()),
});

export const requestedShipment = schema.Object({
  shipDatestamp: schema.Optional(schema.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD; FedEx defaults to today.' })),
  shipper: fedexParty,
  recipients: schema.Array(fedexParty, { minItems: 1 }),
  pickupType,
  serviceType: schema.String({ pattern: '^[A-Z0-9_]+$', description: 'e.g. FEDEX_GROUND, PRIORITY_OVERNIGHT.' }),
  packagingType: schema.String({ pattern: '^[A-Z0-9_]+$', description: 'e.g. YOUR_PACKAGING, FEDEX_PAK.' }),
  totalWeight: schema.Optional(schema.Number({ exclusiveMinimum: 0 })),
  shippingChargesPayment: schema.Object({
    paymentType,
    payor: schema.Optional(schema.Object({ responsibleParty: schema.Object({ accountNumber: schema.Optional(accountNumber) }) })),
  }),
  labelSpecification: schema.Object({
    imageType: labelImageType,
    labelStockType,
  }),
  requestedPackageLineItems: schema.Array(packageLineItem, { minItems: 1 }),
});

const alert = schema.Object({ code: schema.Optional(schema.String()), alertType: schema.Optional(schema.String()), message: schema.Optional(schema.String()) });

export const packageDocument = schema.Object({
  contentType: schema.Optional(schema.String()),
  docType: schema.Optional(schema.String()),
  trackingNumber: schema.Optional(schema.String()),
  encodedLabel: schema.Optional(schema.String({ description: 'The label, base64, when labelResponseOptions was LABEL.' })),
  url: schema.Optional(schema.String({ description: 'Where to fetch the label, when labelResponseOptions was URL_ONLY.' })),
});

export const createShipmentOutput = schema.Object({
  transactionId: schema.String(),
  customerTransactionId: schema.Optional(schema.String()),
  output: schema.Object({
    transactionShipments: schema.Array(
      schema.Object({
        masterTrackingNumber: schema.String({ minLength: 1 }),
        serviceType: schema.String(),
        serviceName: schema.Optional(schema.String()),
        shipDatestamp: schema.Optional(schema.String()),
        pieceResponses: schema.Array(
          schema.Object({
            trackingNumber: schema.String({ minLength: 1 }),
            masterTrackingNumber: schema.Optional(schema.String()),
            packageSequenceNumber: schema.Optional(schema.Integer()),
            packageDocuments: schema.Array(packageDocument),
          }),
          { minItems: 1 },
        ),
        alerts: schema.Optional(schema.Array(alert)),
      }),
      { minItems: 1 },
    ),
    alerts: schema.Optional(schema.Array(alert)),
  }),
});

export const cancelShipmentOutput = schema.Object({
  transactionId: schema.String(),
  customerTransactionId: schema.Optional(schema.String()),
  output: schema.Object({
    cancelledShipment: schema.Boolean(),
    cancelledHistory: schema.Optional(schema.Boolean()),
    message: schema.Optional(schema.String()),
    alerts: schema.Optional(schema.Array(alert)),
  }),
});

const trackAddress = schema.Object({
  streetLines: schema.Optional(schema.Array(schema.String())),
  city: schema.Optional(schema.String()),
  stateOrProvinceCode: schema.Optional(schema.String()),
  postalCode: schema.Optional(schema.String()),
  countryCode: schema.Optional(schema.String()),
  residential: schema.Optional(schema.Boolean()),
});

export const scanEvent = schema.Object({
  date: schema.String({ description: 'With an offset, e.g. 2018-02-02T12:01:00-07:00.' }),
  eventType: schema.String(),
  eventDescription: schema.Optional(schema.String()),
  derivedStatusCode: schema.Optional(schema.String()),
  derivedStatus: schema.Optional(schema.String()),
  exceptionCode: schema.Optional(schema.String()),
  exceptionDescription: schema.Optional(schema.String()),
  scanLocation: schema.Optional(trackAddress),
  locationId: schema.Optional(schema.String()),
  locationType: schema.Optional(schema.String()),
});

export const trackResult = schema.Object({
  trackingNumberInfo: schema.Object({
    trackingNumber: schema.String(),
    carrierCode: schema.Optional(schema.String()),
    trackingNumberUniqueId: schema.Optional(schema.String()),
  }),
  latestStatusDetail: schema.Optional(
    schema.Object({
      code: schema.Optional(schema.String()),
      derivedCode: schema.Optional(schema.String()),
      statusByLocale: schema.Optional(schema.String()),
      description: schema.Optional(schema.String()),
      scanLocation: schema.Optional(trackAddress),
    }),
  ),
  serviceDetail: schema.Optional(schema.Object({ type: schema.Optional(schema.String()), description: schema.Optional(schema.String()) })),
  dateAndTimes: schema.Optional(schema.Array(schema.Object({ type: schema.String(), dateTime: schema.String() }))),
  scanEvents: schema.Optional(schema.Array(scanEvent)),
  recipientInformation: schema.Optional(schema.Object({ address: schema.Optional(trackAddress) })),
  shipperInformation: schema.Optional(schema.Object({ address: schema.Optional(trackAddress) })),
  error: schema.Optional(schema.Object({ code: schema.Optional(schema.String()), message: schema.Optional(schema.String()) })),
});

/** The Track API's answer; an AIV webhook delivers the same document. */
export const trackResponse = schema.Object({
  transactionId: schema.String(),
  customerTransactionId: schema.Optional(schema.String()),
  output: schema.Object({
    completeTrackResults: schema.Array(
      schema.Object({ trackingNumber: schema.String({ minLength: 1 }), trackResults: schema.Array(trackResult, { minItems: 1 }) }),
      { minItems: 1 },
    ),
    alerts: schema.Optional(schema.Array(alert)),
  }),
});

export const customerTransactionId = schema.Optional(
  schema.String({ description: 'Sent as x-customer-transaction-id; FedEx echoes it in the answer, so logs on both sides match.' }),
);
