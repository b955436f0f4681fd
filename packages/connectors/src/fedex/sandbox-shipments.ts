import { FEDEX_ERRORS, SCAN_EVENTS, SEED_EPOCH_MS, SEED_SHIPMENTS, SERVICE_TYPES, type ScanEventType } from './fedex.fixtures.ts';

/**
 * The FedEx sandbox's records: booked shipments with their scans, and how FedEx's Track API
 * renders one. A shipment is found by any of its packages' tracking numbers, as FedEx finds it.
 */

export interface Place {
  city: string;
  stateOrProvinceCode?: string;
  postalCode?: string;
  countryCode: string;
}

export interface Scan {
  at: number;
  eventType: ScanEventType;
  place: Place;
}

export interface SandboxShipment {
  masterTrackingNumber: string;
  /** One per package, the master's first. */
  trackingNumbers: string[];
  accountNumber: string;
  serviceType: string;
  packagingType: string;
  shipDatestamp: string;
  origin: Place;
  destination: Place;
  weights: { units: string; value: number }[];
  /** Oldest first. */
  scans: Scan[];
}

export interface FedexState {
  /** By every package's tracking number. */
  shipments: Map<string, SandboxShipment>;
  nextTrackingNumber(): string;
}

const SEED_ORIGIN: Place = { city: 'MEMPHIS', stateOrProvinceCode: 'TN', postalCode: '38116', countryCode: 'US' };
const SEED_DESTINATION: Place = { city: 'SEATTLE', stateOrProvinceCode: 'WA', postalCode: '98101', countryCode: 'US' };
const SCAN_SPACING_MS = 3 * 3600_000;

export function seedState(accountNumber: string): FedexState {
  // 12 digits, like FedEx Express and Ground numbers; 7949 00… is kept for the seeded ones.
  let counter = 0;
  const state: FedexState = {
    shipments: new Map(),
    nextTrackingNumber: () => `7949${String(++counter + 1000).padStart(8, '0')}`,
  };
  for (const seed of SEED_SHIPMENTS) {
    register(state, {
      masterTrackingNumber: seed.trackingNumber,
      trackingNumbers: [seed.trackingNumber],
      accountNumber,
      serviceType: seed.serviceType,
      packagingType: 'YOUR_PACKAGING',
      shipDatestamp: new Date(SEED_EPOCH_MS).toISOString().slice(0, 10),
      origin: SEED_ORIGIN,
      destination: SEED_DESTINATION,
      weights: [{ units: 'LB', value: 4 }],
      scans: seed.scans.map((eventType, index) => ({
        at: SEED_EPOCH_MS + index * SCAN_SPACING_MS,
        eventType,
        place: index < seed.scans.length / 2 ? SEED_ORIGIN : SEED_DESTINATION,
      })),
    });
  }
  return state;
}

export function register(state: FedexState, shipment: SandboxShipment): SandboxShipment {
  for (const number of shipment.trackingNumbers) state.shipments.set(number, shipment);
  return shipment;
}

/** A shipment for a webhook that names none: booked from the seeded addresses, label just created. */
export function newDemoShipment(state: FedexState, accountNumber: string, at: number): SandboxShipment {
  const number = state.nextTrackingNumber();
  return register(state, {
    masterTrackingNumber: number,
    trackingNumbers: [number],
    accountNumber,
    serviceType: 'FEDEX_GROUND',
    packagingType: 'YOUR_PACKAGING',
    shipDatestamp: new Date(at).toISOString().slice(0, 10),
    origin: SEED_ORIGIN,
    destination: SEED_DESTINATION,
    weights: [{ units: 'LB', value: 2 }],
    scans: [{ at, eventType: 'OC', place: SEED_ORIGIN }],
  });
}

/** Scans are strictly ordered: a scan never lands before (or at) the shipment's latest one. */
export function addScan(shipment: SandboxShipment, eventType: ScanEventType, at: number): Scan {
  const latest = shipment.scans.at(-1);
  const place = eventType === 'OC' || eventType === 'PU' || eventType === 'CA' ? shipment.origin : shipment.destination;
  const scan: Scan = { at: latest === undefined ? at : Math.max(at, latest.at + 1000), eventType, place };
  shipment.scans.push(scan);
  return scan;
}

export function latestScan(shipment: SandboxShipment): Scan {
  return shipment.scans.at(-1)!;
}

export function carrierCode(serviceType: string): 'FDXE' | 'FDXG' {
  return SERVICE_TYPES[serviceType]?.carrierCode ?? (/GROUND|SMART_POST/.test(serviceType) ? 'FDXG' : 'FDXE');
}

export function serviceName(serviceType: string): string {
  return SERVICE_TYPES[serviceType]?.name ?? serviceType.replace(/_/g, ' ');
}

/** FedEx writes times with the scan location's offset; the sandbox keeps every place on UTC. */
export function fedexTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function address(place: Place): Record<string, unknown> {
  return { ...place, residential: false };
}

/** One `trackResults` entry for a tracking number, as POST /track/v1/trackingnumbers renders it. */
export function trackResult(shipment: SandboxShipment, trackingNumber: string, detailed: boolean): Record<string, unknown> {
  const carrier = carrierCode(shipment.serviceType);
  const latest = latestScan(shipment);
  const latestFact = SCAN_EVENTS[latest.eventType];
  const pickup = shipment.scans.find((scan) => scan.eventType === 'PU');
  const delivery = shipment.scans.find((scan) => scan.eventType === 'DL');
  const dateAndTimes = [
    { type: 'SHIP', dateTime: fedexTime(shipment.scans[0]!.at) },
    ...(pickup === undefined ? [] : [{ type: 'ACTUAL_PICKUP', dateTime: fedexTime(pickup.at) }]),
    ...(delivery === undefined ? [] : [{ type: 'ACTUAL_DELIVERY', dateTime: fedexTime(delivery.at) }]),
  ];
  const sequence = shipment.trackingNumbers.indexOf(trackingNumber);
  const weight = shipment.weights[sequence] ?? shipment.weights[0];
  return {
    trackingNumberInfo: { trackingNumber, carrierCode: carrier, trackingNumberUniqueId: `12024~${trackingNumber}~${carrier === 'FDXG' ? 'FDEG' : 'FX'}` },
    additionalTrackingInfo: { hasAssociatedShipments: shipment.trackingNumbers.length > 1, packageIdentifiers: [] },
    shipperInformation: { address: address(shipment.origin) },
    recipientInformation: { address: address(shipment.destination) },
    latestStatusDetail: {
      code: latest.eventType,
      derivedCode: latestFact.derivedCode,
      statusByLocale: latestFact.derivedStatus,
      description: latestFact.description,
      scanLocation: address(latest.place),
    },
    dateAndTimes,
    serviceDetail: { type: shipment.serviceType, description: serviceName(shipment.serviceType) },
    packageDetails: {
      sequenceNumber: String(sequence + 1),
      count: String(shipment.trackingNumbers.length),
      ...(weight === undefined ? {} : { weightAndDimensions: { weight: [{ unit: weight.units, value: weight.value.toFixed(1) }] } }),
    },
    // Newest first, as FedEx lists them; without includeDetailedScans only the latest status is given.
    scanEvents: detailed ? [...shipment.scans].reverse().map(scanEvent) : [],
  };
}

function scanEvent(scan: Scan): Record<string, unknown> {
  const fact = SCAN_EVENTS[scan.eventType];
  return {
    date: fedexTime(scan.at),
    eventType: scan.eventType,
    eventDescription: fact.description,
    derivedStatusCode: fact.derivedCode,
    derivedStatus: fact.derivedStatus,
    exceptionCode: '',
    exceptionDescription: '',
    scanLocation: address(scan.place),
    locationType: scan.eventType === 'DL' ? 'DELIVERY_LOCATION' : 'FEDEX_FACILITY',
  };
}

/** FedEx answers an unknown number with 200 and this result, not with an HTTP error. */
export function notFoundResult(trackingNumber: string): Record<string, unknown> {
  return {
    trackingNumberInfo: { trackingNumber, trackingNumberUniqueId: '', carrierCode: '' },
    error: { code: FEDEX_ERRORS.trackingNumberNotFound.code, message: FEDEX_ERRORS.trackingNumberNotFound.message },
  };
}
