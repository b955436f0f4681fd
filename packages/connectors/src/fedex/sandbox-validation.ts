import {
  FEDEX_ERRORS,
  LABEL_IMAGE_TYPES,
  LABEL_RESPONSE_OPTIONS,
  LABEL_STOCK_TYPES,
  MAX_TRACKING_NUMBERS,
  PAYMENT_TYPES,
  PICKUP_TYPES,
  WEIGHT_UNITS,
  type FedexErrorFact,
} from './fedex.fixtures.ts';

/**
 * The sandbox's checks of Ship and Track request bodies, from the required fields and enums of
 * FedEx's request schemas. Every problem is reported, each as a FedEx error: the field-specific
 * codes FedEx documents where there is one, INVALID.INPUT.EXCEPTION with the field's path in
 * parameterList otherwise.
 *
 * Where FedEx's own samples and its full schema disagree, the samples win, because FedEx accepts
 * them: the minimum create-shipment sample omits totalWeight and sends `labelSpecification: {}`,
 * so neither is required here (imageType and labelStockType are checked when present).
 */

export interface FedexError {
  code: string;
  message: string;
  parameterList?: { key: string; value: string }[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function invalid(path: string): FedexError {
  return { ...FEDEX_ERRORS.invalidInput, parameterList: [{ key: 'field', value: path }] };
}

function fact(error: FedexErrorFact): FedexError {
  return { code: error.code, message: error.message };
}

class Problems {
  readonly found: FedexError[] = [];
  add(error: FedexError): void {
    this.found.push(error);
  }
  requireObject(value: unknown, path: string): Json | undefined {
    if (isObject(value)) return value;
    this.add(invalid(path));
    return undefined;
  }
  requireText(value: unknown, path: string, pattern?: RegExp): void {
    if (!isText(value) || (pattern !== undefined && !pattern.test(value))) this.add(invalid(path));
  }
  requireOneOf(value: unknown, allowed: readonly string[], path: string): void {
    if (typeof value !== 'string' || !allowed.includes(value)) this.add(invalid(path));
  }
}

export function validAccountNumber(value: unknown): string | undefined {
  const number = isObject(value) ? value.value : undefined;
  return typeof number === 'string' && /^[0-9]{9}$/.test(number) ? number : undefined;
}

export function createShipmentProblems(body: unknown): FedexError[] {
  const problems = new Problems();
  if (!isObject(body)) return [invalid('requestedShipment')];
  if (validAccountNumber(body.accountNumber) === undefined) problems.add(fact(FEDEX_ERRORS.accountRequired));
  problems.requireOneOf(body.labelResponseOptions, LABEL_RESPONSE_OPTIONS, 'labelResponseOptions');
  const shipment = problems.requireObject(body.requestedShipment, 'requestedShipment');
  if (shipment === undefined) return problems.found;

  checkParty(problems, shipment.shipper, 'requestedShipment.shipper');
  if (!Array.isArray(shipment.recipients) || shipment.recipients.length === 0) problems.add(invalid('requestedShipment.recipients'));
  else shipment.recipients.forEach((recipient, index) => checkParty(problems, recipient, `requestedShipment.recipients[${index}]`));
  problems.requireOneOf(shipment.pickupType, PICKUP_TYPES, 'requestedShipment.pickupType');
  problems.requireText(shipment.serviceType, 'requestedShipment.serviceType', /^[A-Z0-9_]+$/);
  problems.requireText(shipment.packagingType, 'requestedShipment.packagingType', /^[A-Z0-9_]+$/);
  if (shipment.totalWeight !== undefined && !(typeof shipment.totalWeight === 'number' && shipment.totalWeight > 0)) problems.add(invalid('requestedShipment.totalWeight'));

  const payment = problems.requireObject(shipment.shippingChargesPayment, 'requestedShipment.shippingChargesPayment');
  if (payment !== undefined) problems.requireOneOf(payment.paymentType, PAYMENT_TYPES, 'requestedShipment.shippingChargesPayment.paymentType');

  const label = problems.requireObject(shipment.labelSpecification, 'requestedShipment.labelSpecification');
  if (label?.imageType !== undefined) problems.requireOneOf(label.imageType, LABEL_IMAGE_TYPES, 'requestedShipment.labelSpecification.imageType');
  if (label?.labelStockType !== undefined) problems.requireOneOf(label.labelStockType, LABEL_STOCK_TYPES, 'requestedShipment.labelSpecification.labelStockType');

  const items = shipment.requestedPackageLineItems;
  if (!Array.isArray(items) || items.length === 0) problems.add(invalid('requestedShipment.requestedPackageLineItems'));
  else {
    items.forEach((item, index) => {
      const path = `requestedShipment.requestedPackageLineItems[${index}].weight`;
      const weight = problems.requireObject(isObject(item) ? item.weight : undefined, path);
      if (weight === undefined) return;
      problems.requireOneOf(weight.units, WEIGHT_UNITS, `${path}.units`);
      if (packageWeight(weight.value) === undefined) problems.add(invalid(`${path}.value`));
    });
  }
  return problems.found;
}

/** FedEx's schema says number; its own minimum sample sends "20", so a numeric string is taken too. */
export function packageWeight(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  return number > 0 ? number : undefined;
}

function checkParty(problems: Problems, party: unknown, path: string): void {
  const value = problems.requireObject(party, path);
  if (value === undefined) return;
  const address = problems.requireObject(value.address, `${path}.address`);
  if (address !== undefined) {
    const lines = address.streetLines;
    if (!Array.isArray(lines) || lines.length === 0 || !lines.every(isText)) problems.add(invalid(`${path}.address.streetLines`));
    if (!isText(address.city) || address.city.length > 35) problems.add(invalid(`${path}.address.city`));
    problems.requireText(address.countryCode, `${path}.address.countryCode`, /^[A-Z]{2}$/);
    // FedEx needs the state or province where the country has them on its labels.
    if ((address.countryCode === 'US' || address.countryCode === 'CA') && !isText(address.stateOrProvinceCode)) {
      problems.add(invalid(`${path}.address.stateOrProvinceCode`));
    }
  }
  const contact = problems.requireObject(value.contact, `${path}.contact`);
  if (contact !== undefined) problems.requireText(contact.phoneNumber, `${path}.contact.phoneNumber`, /^[0-9]{1,15}$/);
}

export function cancelShipmentProblems(body: unknown): FedexError[] {
  if (!isObject(body)) return [invalid('trackingNumber')];
  const problems = new Problems();
  if (validAccountNumber(body.accountNumber) === undefined) problems.add(fact(FEDEX_ERRORS.accountRequired));
  problems.requireText(body.trackingNumber, 'trackingNumber');
  if (body.deletionControl !== undefined) problems.requireOneOf(body.deletionControl, ['DELETE_ALL_PACKAGES'], 'deletionControl');
  return problems.found;
}

/** The tracking numbers asked for, or FedEx's errors for the request. */
export function trackRequest(body: unknown): { numbers: string[]; detailed: boolean } | { problems: FedexError[] } {
  const info = isObject(body) ? body.trackingInfo : undefined;
  if (!Array.isArray(info) || info.length === 0) return { problems: [fact(FEDEX_ERRORS.trackingNumberEmpty)] };
  if (info.length > MAX_TRACKING_NUMBERS) return { problems: [invalid('trackingInfo')] };
  const numbers = info.map((entry) => (isObject(entry) && isObject(entry.trackingNumberInfo) ? entry.trackingNumberInfo.trackingNumber : undefined));
  if (!numbers.every(isText)) return { problems: [fact(FEDEX_ERRORS.trackingNumberEmpty)] };
  const detailed = (body as Json).includeDetailedScans;
  if (typeof detailed !== 'boolean') return { problems: [invalid('includeDetailedScans')] };
  return { numbers: numbers.map((number) => number.trim()), detailed };
}
