import { canonical, defineMapping, schema, type CanonicalAddress, type CanonicalShipment, type Infer } from '@weft/sdk';
import { createShipment } from './create-shipment.action.ts';
import { createShipmentOutput, labelImageType, labelResponseOption, labelStockType, pickupType, trackResponse, type trackResult } from './fedex.schemas.ts';
import { fedexTimestamp } from './fedex.time.ts';

/**
 * FedEx ⇄ canonical shipment (shipment@1). To canonical: the create-shipment answer (a label was
 * created), the Track API answer and the AIV webhook push (which is the same document). From
 * canonical: a shipment with its ship-to address, plus the ship-from address and the packages'
 * weights, which the canonical shipment does not carry, become the create-shipment input.
 */

const CARRIER = 'fedex';

export function trackingUrl(trackingNumber: string): string {
  return `https://www.fedex.com/fedextrack/?trknbr=${encodeURIComponent(trackingNumber)}`;
}

// ---------------------------------------------------------------- from canonical

const createShipmentInput = createShipment.input;
type CreateShipmentInput = Infer<typeof createShipmentInput>;
type FedexParty = CreateShipmentInput['requestedShipment']['shipper'];

export const shipmentToCreateShipment = defineMapping({
  id: 'shipment-to-create-shipment',
  name: 'Canonical shipment → FedEx create shipment',
  description:
    'Ship to the shipment\'s shipTo (else the order\'s shipping address, with the customer\'s phone and email), from shipFrom, one package per weight. The account number comes from the connection unless given.',
  direction: 'from-canonical',
  canonical: 'shipment@1',
  input: schema.Object({
    shipment: canonical.Shipment,
    order: schema.Optional(canonical.Order),
    shipFrom: canonical.Address,
    packages: schema.Array(
      schema.Object({ weight: canonical.Quantity, declaredValue: schema.Optional(canonical.Money) }, { additionalProperties: false }),
      { minItems: 1 },
    ),
    serviceType: schema.Optional(schema.String({ pattern: '^[A-Z0-9_]+$', description: 'Default: the shipment\'s service.' })),
    packagingType: schema.Optional(schema.String({ pattern: '^[A-Z0-9_]+$', default: 'YOUR_PACKAGING' })),
    pickupType: schema.Optional(pickupType),
    labelResponseOptions: schema.Optional(labelResponseOption),
    imageType: schema.Optional(labelImageType),
    labelStockType: schema.Optional(labelStockType),
  }),
  output: createShipmentInput,
  map: (input): CreateShipmentInput => {
    const { shipment, order } = input;
    const shipTo = shipment.shipTo ?? order?.shippingAddress;
    if (shipTo === undefined) throw new TypeError('the shipment has no shipTo and the order no shippingAddress: FedEx needs a recipient address');
    const serviceType = input.serviceType ?? shipment.service;
    if (serviceType === undefined || !/^[A-Z0-9_]+$/.test(serviceType)) {
      throw new TypeError(`the service must be a FedEx service type such as FEDEX_GROUND or PRIORITY_OVERNIGHT, not ${JSON.stringify(serviceType)}`);
    }
    const customer = order?.customer;
    const recipientName = shipTo.name ?? ([customer?.firstName, customer?.lastName].filter(Boolean).join(' ') || undefined);
    const recipient = fedexParty(shipTo, 'shipTo', { name: recipientName, phone: shipTo.phone ?? customer?.phone, email: customer?.email, company: shipTo.company ?? customer?.company });
    const shipper = fedexParty(input.shipFrom, 'shipFrom', { name: input.shipFrom.name, phone: input.shipFrom.phone, company: input.shipFrom.company });
    return {
      labelResponseOptions: input.labelResponseOptions ?? 'LABEL',
      ...(order === undefined ? {} : { customerTransactionId: order.number }),
      requestedShipment: {
        shipper,
        recipients: [recipient],
        pickupType: input.pickupType ?? 'DROPOFF_AT_FEDEX_LOCATION',
        serviceType,
        packagingType: input.packagingType ?? 'YOUR_PACKAGING',
        shippingChargesPayment: { paymentType: 'SENDER' },
        labelSpecification: { imageType: input.imageType ?? 'PDF', labelStockType: input.labelStockType ?? 'PAPER_4X6' },
        requestedPackageLineItems: input.packages.map((pack, index) => ({
          sequenceNumber: index + 1,
          weight: fedexWeight(pack.weight, index),
          ...(pack.declaredValue === undefined ? {} : { declaredValue: { amount: Number(pack.declaredValue.amount), currency: pack.declaredValue.currency } }),
        })),
      },
    };
  },
});

function fedexParty(
  address: CanonicalAddress,
  where: string,
  contact: { name?: string | undefined; phone?: string | undefined; email?: string | undefined; company?: string | undefined },
): FedexParty {
  if (contact.phone === undefined) throw new TypeError(`${where} has no phone number: FedEx requires one for the shipper and the recipient`);
  return {
    address: {
      streetLines: address.lines,
      city: address.city,
      ...(address.region === undefined ? {} : { stateOrProvinceCode: subdivision(address.region, address.country) }),
      ...(address.postalCode === undefined ? {} : { postalCode: address.postalCode }),
      countryCode: address.country,
    },
    contact: {
      ...(contact.name === undefined ? {} : { personName: contact.name }),
      ...(contact.company === undefined ? {} : { companyName: contact.company }),
      phoneNumber: fedexPhone(contact.phone),
      ...(contact.email === undefined ? {} : { emailAddress: contact.email }),
    },
  };
}

/** "US-CA" (ISO 3166-2) or "CA" → "CA": FedEx wants the subdivision part only. */
function subdivision(region: string, country: string): string {
  return region.toUpperCase().startsWith(`${country}-`) ? region.slice(country.length + 1) : region;
}

/** E.164 → digits; in the North American plan FedEx wants the 10-digit national number. */
function fedexPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

function fedexWeight(weight: { value: string; unit: string }, index: number): { units: 'KG' | 'LB'; value: number } {
  const units = weight.unit.toUpperCase();
  if (units !== 'KG' && units !== 'LB') throw new TypeError(`package ${index + 1} weighs ${weight.value} ${weight.unit}; FedEx takes kg or lb`);
  const value = Number(weight.value);
  if (!(value > 0)) throw new TypeError(`package ${index + 1} must weigh more than 0 ${weight.unit}`);
  return { units, value };
}

// ---------------------------------------------------------------- to canonical

export const createShipmentToShipment = defineMapping({
  id: 'create-shipment-to-shipment',
  name: 'FedEx created shipment → canonical shipment',
  description: 'The booked shipment under its master tracking number, status label-created; every package\'s tracking number is in custom.',
  direction: 'to-canonical',
  canonical: 'shipment@1',
  input: createShipmentOutput,
  output: canonical.Shipment,
  map: (created): CanonicalShipment => {
    const [shipment] = created.output.transactionShipments;
    if (shipment === undefined) throw new TypeError('the create-shipment answer holds no shipment');
    return {
      carrier: CARRIER,
      service: shipment.serviceType,
      trackingNumber: shipment.masterTrackingNumber,
      trackingUrl: trackingUrl(shipment.masterTrackingNumber),
      status: 'label-created',
      custom: {
        packageTrackingNumbers: shipment.pieceResponses.map((piece) => piece.trackingNumber),
        ...(shipment.serviceName === undefined ? {} : { serviceName: shipment.serviceName }),
        ...(shipment.shipDatestamp === undefined ? {} : { shipDate: shipment.shipDatestamp }),
      },
    };
  },
});

export const trackToShipment = defineMapping({
  id: 'track-to-shipment',
  name: 'FedEx tracking → canonical shipment',
  description: 'The first track result: latest status, ship and delivery times, and every scan as an event, oldest first.',
  direction: 'to-canonical',
  canonical: 'shipment@1',
  input: trackResponse,
  output: canonical.Shipment,
  map: (tracked) => shipmentFromTrackResponse(tracked),
});

export const trackingEventToShipment = defineMapping({
  id: 'tracking-event-to-shipment',
  name: 'FedEx tracking webhook → canonical shipment',
  description: 'An Advanced Integrated Visibility push, which carries the Track API document, as the shipment it reports on.',
  direction: 'to-canonical',
  canonical: 'shipment@1',
  input: trackResponse,
  output: canonical.Shipment,
  map: (pushed) => shipmentFromTrackResponse(pushed),
});

type TrackResult = Infer<typeof trackResult>;
type ShipmentStatus = CanonicalShipment['status'];

function shipmentFromTrackResponse(response: Infer<typeof trackResponse>): CanonicalShipment {
  const [complete] = response.output.completeTrackResults;
  const result = complete?.trackResults[0];
  if (complete === undefined || result === undefined) throw new TypeError('the tracking document holds no track result');
  if (result.error?.code !== undefined && result.error.code !== '') {
    throw new TypeError(`FedEx reported ${result.error.code} for ${complete.trackingNumber}, not a shipment`);
  }
  const trackingNumber = result.trackingNumberInfo.trackingNumber || complete.trackingNumber;
  const events = (result.scanEvents ?? [])
    .flatMap((scan) => {
      const at = fedexTimestamp(scan.date);
      if (at === undefined) return [];
      const location = placeName(scan.scanLocation);
      const description = scan.eventDescription ?? scan.derivedStatus;
      return [{ at, status: shipmentStatus(scan.derivedStatusCode, scan.eventType), ...(description === undefined ? {} : { description }), ...(location === undefined ? {} : { location }) }];
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const latest = result.latestStatusDetail;
  const status = latest === undefined ? (events.at(-1)?.status ?? 'label-created') : shipmentStatus(latest.derivedCode, latest.code);
  const shippedAt = dateOf(result, 'ACTUAL_PICKUP') ?? dateOf(result, 'SHIP');
  const deliveredAt = dateOf(result, 'ACTUAL_DELIVERY') ?? (status === 'delivered' ? [...events].reverse().find((event) => event.status === 'delivered')?.at : undefined);
  const shipTo = canonicalAddress(result.recipientInformation?.address);
  return {
    carrier: CARRIER,
    ...(result.serviceDetail?.type === undefined ? {} : { service: result.serviceDetail.type }),
    trackingNumber,
    trackingUrl: trackingUrl(trackingNumber),
    status,
    ...(shipTo === undefined ? {} : { shipTo }),
    ...(shippedAt === undefined ? {} : { shippedAt }),
    ...(deliveredAt === undefined ? {} : { deliveredAt }),
    events,
    custom: {
      ...(latest?.code === undefined ? {} : { fedexStatusCode: latest.code }),
      ...(latest?.description === undefined ? {} : { fedexStatus: latest.description }),
      ...(result.trackingNumberInfo.carrierCode === undefined ? {} : { carrierCode: result.trackingNumberInfo.carrierCode }),
    },
  };
}

/**
 * FedEx's derived status codes (a short list) decide; the raw scan code is the fallback. Codes
 * not named here are movement scans (arrived, departed, at a facility…), hence in transit.
 */
const STATUS_BY_CODE: Readonly<Record<string, ShipmentStatus>> = {
  IN: 'label-created',
  OC: 'label-created',
  PU: 'in-transit',
  IT: 'in-transit',
  OD: 'out-for-delivery',
  DL: 'delivered',
  DE: 'exception',
  SE: 'exception',
  DY: 'exception',
  CD: 'exception',
  RS: 'returned',
  CA: 'cancelled',
};

export function shipmentStatus(derivedCode: string | undefined, code: string | undefined): ShipmentStatus {
  for (const candidate of [derivedCode, code]) {
    if (candidate !== undefined && candidate !== '' && STATUS_BY_CODE[candidate] !== undefined) return STATUS_BY_CODE[candidate];
  }
  return 'in-transit';
}

function dateOf(result: TrackResult, type: string): string | undefined {
  return fedexTimestamp(result.dateAndTimes?.find((entry) => entry.type === type)?.dateTime);
}

function placeName(address: { city?: string; stateOrProvinceCode?: string; countryCode?: string } | undefined): string | undefined {
  if (address === undefined) return undefined;
  const parts = [address.city, address.stateOrProvinceCode, address.countryCode].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** Tracking often gives only city and country; canonical addresses need a street line, so those are left out. */
function canonicalAddress(address: NonNullable<TrackResult['recipientInformation']>['address']): CanonicalAddress | undefined {
  const lines = (address?.streetLines ?? []).filter((line) => line.trim() !== '');
  if (address === undefined || lines.length === 0 || !address.city || !/^[A-Z]{2}$/.test(address.countryCode ?? '')) return undefined;
  return {
    lines: lines.slice(0, 4),
    city: address.city,
    country: address.countryCode!,
    ...(address.stateOrProvinceCode ? { region: address.stateOrProvinceCode } : {}),
    ...(address.postalCode ? { postalCode: address.postalCode } : {}),
  };
}
