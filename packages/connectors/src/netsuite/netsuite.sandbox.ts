import { timingSafeEqual } from 'node:crypto';
import { buildEnvelope, isConnectorError, parseEnvelope, tokenPassportSignature, type XmlElement } from '@weft/sdk';
import { createCollection, createSandbox, type Collection, type RunningSandbox, type SandboxFailure, type SandboxResponse } from '@weft/sdk/testing';
import {
  ACCOUNT_CONCURRENCY_LIMIT,
  CODES,
  MESSAGES,
  NS,
  OPERATIONS,
  SANDBOX_CREDENTIALS,
  SEARCH_PAGE_SIZE,
  SEED_CUSTOMER,
  SEED_DATE,
  SEED_ITEMS,
  SEED_ITEM_FULFILLMENT,
  SEED_LOCATIONS,
  SEED_SALES_ORDER,
  SERVICE_PATH,
  TIMESTAMP_TOLERANCE_SECONDS,
  type Operation,
} from './netsuite.fixtures.ts';

/**
 * A stateful fake of NetSuite's SuiteTalk SOAP endpoint for the operations the connector uses
 * (add, upsert, get, search, searchMoreWithId, getServerTime): document/literal SOAP 1.1 parsed as NetSuite
 * does (by namespace-free local names; DOCTYPE refused), the tokenPassport verified (signature,
 * a timestamp within 5 minutes, each nonce once), the account's concurrency limit enforced with
 * NetSuite's fault, records keyed by internalId with externalId unique per type, upsert
 * idempotent by externalId, `status isSuccess="false"` for record errors and `soapenv:Fault`
 * with a platformFaults detail for request errors, as NetSuite answers them.
 */

export interface NetsuiteCustomer {
  id: string;
  externalId?: string;
  entityId?: string;
  isPerson?: boolean;
  firstName?: string;
  lastName?: string;
  companyName?: string;
  phone?: string;
  email?: string;
}

export interface NetsuiteOrderLine {
  line: number;
  itemId: string;
  quantity: number;
  rate: string;
  amount: number;
  description?: string;
  locationId?: string;
}

export interface NetsuiteSalesOrder {
  id: string;
  externalId?: string;
  tranId: string;
  tranDate: string;
  entityId: string;
  orderStatus: string;
  memo?: string;
  otherRefNum?: string;
  lines: NetsuiteOrderLine[];
  total: number;
}

export interface NetsuiteItemFulfillment {
  id: string;
  externalId?: string;
  tranId: string;
  tranDate: string;
  createdFrom: string;
  entityId: string;
  shipStatus: '_picked' | '_packed' | '_shipped';
  lines: { itemId: string; quantity: number; locationId: string; orderLine: number }[];
  packages: { trackingNumber: string; weight?: number }[];
}

export interface NetsuiteInventoryItem {
  id: string;
  externalId?: string;
  itemId: string;
  displayName: string;
  quantities: { locationId: string; onHand: number; committed: number }[];
}

export interface NetsuiteState {
  customers: Collection<NetsuiteCustomer>;
  salesOrders: Collection<NetsuiteSalesOrder>;
  itemFulfillments: Collection<NetsuiteItemFulfillment>;
  items: Collection<NetsuiteInventoryItem>;
  locations: ReadonlyMap<string, string>;
  /** Nonces already presented: NetSuite accepts each once. */
  usedNonces: Set<string>;
  /** Saved searches for searchMoreWithId: the matching internalIds, in order, and the page size. */
  searches: Map<string, { ids: string[]; pageSize: number; bodyFieldsOnly: boolean }>;
  /** The most requests the sandbox ever held at once, and how many it refused for concurrency. */
  concurrency: { inFlight: number; maxInFlight: number; refused: number };
  /** How long each request holds its slot; raise it to make concurrency visible. */
  latencyMs: number;
  nextInternalId(): string;
  nextNumber(prefix: string): string;
}

export interface NetsuiteSandbox extends RunningSandbox<NetsuiteState> {
  credentials: typeof SANDBOX_CREDENTIALS;
}

export interface NetsuiteSandboxOptions {
  port?: number;
  host?: string;
  /** Requests handled at once before NetSuite's concurrency fault. Default 5, NetSuite's default account limit. */
  concurrencyLimit?: number;
  /** How long each request holds its slot, so concurrency is visible; default 0. */
  latencyMs?: number;
  now?: () => number;
  random?: () => number;
  /** Inventory items to add to the seeded ones (externalId and itemId = SKU), e.g. a shop's catalog. */
  catalog?: readonly { sku: string; name: string; onHand: number }[];
}

type Element = Record<string, unknown>;

/** Answers a request-level error: a Fault, as NetSuite sends it (HTTP 500, Server.userException). */
class Fault extends Error {
  constructor(
    readonly kind: string,
    readonly code: string,
    message: string,
    readonly faultcode = 'soapenv:Server.userException',
  ) {
    super(message);
  }
}

/** Answers a record-level error: a normal response with status isSuccess="false". */
class StatusFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startNetsuiteSandbox(options: NetsuiteSandboxOptions = {}): Promise<NetsuiteSandbox> {
  const credentials = SANDBOX_CREDENTIALS;
  const now = options.now ?? Date.now;
  const limit = options.concurrencyLimit ?? ACCOUNT_CONCURRENCY_LIMIT;

  const sandbox = createSandbox<NetsuiteState>({
    name: 'netsuite',
    seed: () => seedState(options.latencyMs ?? 0, options.catalog ?? []),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    errorResponse: failureResponse,
    routes: [
      {
        method: 'POST',
        path: SERVICE_PATH,
        handle: async (request, { state }) => {
          let operation: Operation;
          let header: Element;
          let payload: Element;
          try {
            ({ operation, header, payload } = readRequest(request.rawBody, request.headers.soapaction));
            authenticate(header, state, now());
          } catch (error) {
            return answer(error);
          }
          // Counted after the login, as NetSuite counts an account's requests.
          const { concurrency } = state;
          if (concurrency.inFlight >= limit) {
            concurrency.refused++;
            return faultResponse(new Fault('exceededConcurrentRequestLimitFault', CODES.concurrency, MESSAGES.concurrency));
          }
          concurrency.inFlight++;
          concurrency.maxInFlight = Math.max(concurrency.maxInFlight, concurrency.inFlight);
          try {
            if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));
            return handle(operation, payload, header, state);
          } catch (error) {
            return answer(error, operation);
          } finally {
            concurrency.inFlight--;
          }
        },
      },
    ],
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, { credentials });

  function authenticate(header: Element, state: NetsuiteState, nowMs: number): void {
    const passport = header.tokenPassport as Element | undefined;
    const refuse = () => new Fault('invalidCredentialsFault', CODES.invalidLogin, MESSAGES.invalidLogin);
    if (typeof passport !== 'object' || passport === null || Array.isArray(passport)) throw refuse();
    const nonce = text(passport.nonce);
    const timestamp = Number(text(passport.timestamp));
    const signature = passport.signature as Element | string | undefined;
    const algorithm = typeof signature === 'object' ? text(signature['@_algorithm']) : undefined;
    const given = typeof signature === 'object' ? text(signature['#text']) : text(signature);
    if (text(passport.account) !== credentials.account || text(passport.consumerKey) !== credentials.consumerKey || text(passport.token) !== credentials.tokenId) {
      throw refuse();
    }
    if (algorithm !== 'HMAC-SHA256' || given === undefined || nonce === undefined || !Number.isInteger(timestamp)) throw refuse();
    if (Math.abs(nowMs / 1000 - timestamp) > TIMESTAMP_TOLERANCE_SECONDS) throw refuse();
    const fields = { account: credentials.account, consumerKey: credentials.consumerKey, token: credentials.tokenId, nonce, timestamp };
    const expected = Buffer.from(tokenPassportSignature(fields, credentials));
    const presented = Buffer.from(given);
    if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) throw refuse();
    if (state.usedNonces.has(fields.nonce)) throw refuse();
    state.usedNonces.add(fields.nonce);
  }

  function handle(operation: Operation, payload: Element, header: Element, state: NetsuiteState): SandboxResponse {
    switch (operation) {
      case 'add':
      case 'upsert': {
        const record = payload.record as Element | undefined;
        if (record === undefined) throw new Fault('unexpectedErrorFault', CODES.userError, 'The record element is missing.', 'soapenv:Client');
        const ref = write(operation, record, state);
        return ok(`${operation}Response`, { 'platformMsgs:writeResponse': { 'platformCore:status': { '@_isSuccess': 'true' }, 'platformMsgs:baseRef': ref } });
      }
      case 'get':
        return ok('getResponse', { 'platformMsgs:readResponse': read(payload.baseRef as Element | undefined, state) });
      case 'search':
        return ok('searchResponse', { 'platformCore:searchResult': search(payload.searchRecord as Element | undefined, header, state) });
      case 'searchMoreWithId':
        return ok('searchMoreWithIdResponse', { 'platformCore:searchResult': searchMore(text(payload.searchId), Number(text(payload.pageIndex)), header, state) });
      case 'getServerTime':
        return ok('getServerTimeResponse', { 'platformCore:getServerTimeResult': { 'platformCore:status': { '@_isSuccess': 'true' }, 'platformCore:serverTime': new Date(now()) } });
    }
  }

  function write(operation: 'add' | 'upsert', record: Element, state: NetsuiteState): XmlElement {
    const type = localType(record['@_xsiType']);
    const externalId = text(record['@_externalId']);
    if (operation === 'upsert' && externalId === undefined) throw new StatusFailure(CODES.userError, 'An upsert needs the record\'s externalId.');
    if (type === 'Customer') {
      const existing = externalId === undefined ? undefined : state.customers.all().find((customer) => customer.externalId === externalId);
      if (existing !== undefined && operation === 'add') throw new StatusFailure(CODES.duplicateEntity, MESSAGES.duplicateEntity);
      const fields = customerFields(record);
      const saved = existing === undefined ? state.customers.insert({ id: state.nextInternalId(), ...(externalId === undefined ? {} : { externalId }), ...fields }) : state.customers.update(existing.id, fields)!;
      return recordRef(saved.id, saved.externalId, 'customer');
    }
    if (type === 'SalesOrder') {
      const existing = externalId === undefined ? undefined : state.salesOrders.all().find((order) => order.externalId === externalId);
      if (existing !== undefined && operation === 'add') throw new StatusFailure(CODES.duplicateRecord, MESSAGES.duplicateRecord);
      const fields = salesOrderFields(record, state);
      const saved =
        existing === undefined
          ? state.salesOrders.insert({ id: state.nextInternalId(), ...(externalId === undefined ? {} : { externalId }), tranId: state.nextNumber('SO'), orderStatus: '_pendingFulfillment', ...fields })
          : state.salesOrders.update(existing.id, fields)!;
      return recordRef(saved.id, saved.externalId, 'salesOrder');
    }
    throw new StatusFailure(CODES.userError, `The sandbox does not write ${type ?? 'records without an xsi:type'}.`);
  }

  function read(baseRef: Element | undefined, state: NetsuiteState): XmlElement {
    const type = text(baseRef?.['@_type']);
    const internalId = text(baseRef?.['@_internalId']);
    const externalId = text(baseRef?.['@_externalId']);
    const find = <T extends { id: string; externalId?: string }>(collection: Collection<T>) =>
      internalId !== undefined ? collection.get(internalId) : collection.all().find((record) => externalId !== undefined && record.externalId === externalId);
    let record: XmlElement | undefined;
    if (type === 'salesOrder') record = mapDefined(find(state.salesOrders), (order) => salesOrderXml(order, state));
    else if (type === 'itemFulfillment') record = mapDefined(find(state.itemFulfillments), (fulfillment) => itemFulfillmentXml(fulfillment, state));
    else if (type === 'customer') record = mapDefined(find(state.customers), customerXml);
    else throw new StatusFailure(CODES.userError, `The sandbox does not read records of type ${type ?? '(none)'}.`);
    if (record === undefined) throw new StatusFailure(CODES.recordMissing, MESSAGES.recordMissing);
    return { 'platformCore:status': { '@_isSuccess': 'true' }, 'platformMsgs:record': record };
  }

  function search(searchRecord: Element | undefined, header: Element, state: NetsuiteState): XmlElement {
    if (localType(searchRecord?.['@_xsiType']) !== 'ItemSearchBasic') throw new StatusFailure(CODES.userError, 'The sandbox searches items with ItemSearchBasic only.');
    const { pageSize, bodyFieldsOnly } = preferences(header);
    const types = list((searchRecord!.type as Element | undefined)?.searchValue).map(text);
    // The sandbox keeps inventory items only, so a type filter either includes them all or none.
    const wantsInventory = types.length === 0 || types.includes('_inventoryItem');
    const itemId = text((searchRecord!.itemId as Element | undefined)?.searchValue);
    const itemIdOperator = text((searchRecord!.itemId as Element | undefined)?.['@_operator']);
    const locations = list((searchRecord!.inventoryLocation as Element | undefined)?.searchValue).map((ref) => text((ref as Element)['@_internalId']));
    const ids = state.items
      .all()
      .filter(() => wantsInventory)
      .filter((item) => itemId === undefined || (itemIdOperator === 'startsWith' ? item.itemId.startsWith(itemId) : item.itemId === itemId))
      .filter((item) => locations.length === 0 || item.quantities.some((quantity) => locations.includes(quantity.locationId)))
      .map((item) => item.id);
    const searchId = `WEBSERVICES_${credentials.account}_${state.nextNumber('')}`;
    state.searches.set(searchId, { ids, pageSize, bodyFieldsOnly });
    return searchPage(searchId, 1, bodyFieldsOnly, state);
  }

  function searchMore(searchId: string | undefined, pageIndex: number, header: Element, state: NetsuiteState): XmlElement {
    const saved = searchId === undefined ? undefined : state.searches.get(searchId);
    if (saved === undefined) throw new StatusFailure(CODES.expiredSearch, MESSAGES.expiredSearch);
    const totalPages = Math.max(1, Math.ceil(saved.ids.length / saved.pageSize));
    if (!Number.isInteger(pageIndex) || pageIndex < 1 || pageIndex > totalPages) throw new StatusFailure(CODES.invalidPageIndex, MESSAGES.pageIndex(pageIndex, totalPages));
    return searchPage(searchId!, pageIndex, preferences(header).bodyFieldsOnly, state);
  }

  function searchPage(searchId: string, pageIndex: number, bodyFieldsOnly: boolean, state: NetsuiteState): XmlElement {
    const saved = state.searches.get(searchId)!;
    const totalPages = Math.max(1, Math.ceil(saved.ids.length / saved.pageSize));
    const page = saved.ids.slice((pageIndex - 1) * saved.pageSize, pageIndex * saved.pageSize);
    return {
      'platformCore:status': { '@_isSuccess': 'true' },
      'platformCore:totalRecords': saved.ids.length,
      'platformCore:pageSize': saved.pageSize,
      'platformCore:totalPages': totalPages,
      'platformCore:pageIndex': pageIndex,
      'platformCore:searchId': searchId,
      'platformCore:recordList': {
        'platformCore:record': page.flatMap((id) => mapDefined(state.items.get(id), (item) => [inventoryItemXml(item, bodyFieldsOnly, state)]) ?? []),
      },
    };
  }

  function preferences(header: Element): { pageSize: number; bodyFieldsOnly: boolean } {
    const given = (header.searchPreferences ?? {}) as Element;
    const pageSize = given.pageSize === undefined ? SEARCH_PAGE_SIZE.default : Number(text(given.pageSize));
    if (!Number.isInteger(pageSize) || pageSize < SEARCH_PAGE_SIZE.min || pageSize > SEARCH_PAGE_SIZE.max) throw new StatusFailure(CODES.invalidPageSize, MESSAGES.pageSize);
    return { pageSize, bodyFieldsOnly: text(given.bodyFieldsOnly) !== 'false' };
  }

  function ok(responseName: string, content: XmlElement): SandboxResponse {
    return xmlResponse(200, { [`platformMsgs:${responseName}`]: content });
  }

  function answer(error: unknown, operation?: Operation): SandboxResponse {
    if (error instanceof Fault) return faultResponse(error);
    if (error instanceof StatusFailure && operation !== undefined) return statusFailureResponse(error, operation);
    throw error;
  }

  /** The operation's usual response with status isSuccess="false": how NetSuite reports a record it refused. */
  function statusFailureResponse(failure: StatusFailure, operation: Operation): SandboxResponse {
    const status = { '@_isSuccess': 'false', 'platformCore:statusDetail': { '@_type': 'ERROR', 'platformCore:code': failure.code, 'platformCore:message': failure.message } };
    const result = RESULT_ELEMENT[operation];
    return ok(`${operation}Response`, { [result]: { 'platformCore:status': status } });
  }

  function failureResponse(failure: SandboxFailure): SandboxResponse {
    if (failure.kind === 'bad-body') return faultResponse(new Fault('unexpectedErrorFault', CODES.userError, failure.message, 'soapenv:Client'));
    if (failure.status === 500) return faultResponse(new Fault('unexpectedErrorFault', CODES.unexpected, MESSAGES.unexpected));
    // Throttles, outages and missing pages come from NetSuite's web tier as HTML, not SOAP.
    return { status: failure.status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<html><body><h1>${failure.status}</h1><p>${failure.message}</p></body></html>` };
  }
}

/** Where each operation's response puts its status. */
const RESULT_ELEMENT: Record<Operation, string> = {
  add: 'platformMsgs:writeResponse',
  upsert: 'platformMsgs:writeResponse',
  get: 'platformMsgs:readResponse',
  search: 'platformCore:searchResult',
  searchMoreWithId: 'platformCore:searchResult',
  getServerTime: 'platformCore:getServerTimeResult',
};

/** Parses a request as NetSuite reads it, and checks SOAPAction names the Body's operation. */
function readRequest(rawBody: string, soapAction: string | undefined): { operation: Operation; header: Element; payload: Element } {
  let envelope;
  try {
    envelope = parseEnvelope(rawBody, { keepPrefixes: true });
  } catch (error) {
    const message = isConnectorError(error) ? error.message : 'The request is not a SOAP envelope.';
    throw new Fault('unexpectedErrorFault', CODES.userError, message, 'soapenv:Client');
  }
  const body = localNames(envelope.body) as Element;
  const header = localNames(envelope.header ?? {}) as Element;
  const [operation, payload] = Object.entries(body)[0] ?? [];
  if (!(OPERATIONS as readonly string[]).includes(operation ?? '')) {
    throw new Fault('unexpectedErrorFault', CODES.userError, `The sandbox does not serve the operation ${operation ?? '(none)'}.`, 'soapenv:Client');
  }
  if (soapAction?.replace(/^"|"$/g, '') !== operation) {
    throw new Fault('unexpectedErrorFault', CODES.userError, `The SOAPAction header must be "${operation}" for a ${operation} request.`, 'soapenv:Client');
  }
  return { operation: operation as Operation, header, payload: (payload ?? {}) as Element };
}

/**
 * Element names without prefixes, as NetSuite matches them; `xsi:type` becomes `@_xsiType`
 * so it cannot collide with RecordRef's own `type` attribute; namespace declarations go.
 */
function localNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(localNames);
  if (typeof value !== 'object' || value === null) return value;
  const out: Element = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '@_xmlns' || key.startsWith('@_xmlns:')) continue;
    if (key.startsWith('@_')) {
      const name = key.slice(2);
      out[name.includes(':') && name.endsWith(':type') ? '@_xsiType' : `@_${name.slice(name.indexOf(':') + 1)}`] = child;
      continue;
    }
    const name = key.slice(key.indexOf(':') + 1);
    const converted = localNames(child);
    out[name] = name in out ? [...list(out[name]), ...list(converted)] : converted;
  }
  return out;
}

function customerFields(record: Element): Omit<NetsuiteCustomer, 'id' | 'externalId'> {
  const fields: Omit<NetsuiteCustomer, 'id' | 'externalId'> = {};
  for (const name of ['entityId', 'firstName', 'lastName', 'companyName', 'phone', 'email'] as const) {
    const value = text(record[name]);
    if (value !== undefined) fields[name] = value;
  }
  if (record.isPerson !== undefined) fields.isPerson = text(record.isPerson) === 'true';
  return fields;
}

function salesOrderFields(record: Element, state: NetsuiteState): Omit<NetsuiteSalesOrder, 'id' | 'externalId' | 'tranId' | 'orderStatus'> {
  const entity = record.entity as Element | undefined;
  if (entity === undefined) throw new StatusFailure(CODES.userError, MESSAGES.requiredField('Customer'));
  const customer = resolve(state.customers, entity, 'entity');
  const items = list((record.itemList as Element | undefined)?.item) as Element[];
  if (items.length === 0) throw new StatusFailure(CODES.userError, 'You must enter at least one line item for this transaction.');
  const lines = items.map((line, index): NetsuiteOrderLine => {
    const item = resolve(state.items, (line.item ?? {}) as Element, 'item');
    const quantity = Number(text(line.quantity));
    if (!Number.isFinite(quantity) || quantity <= 0) throw new StatusFailure(CODES.invalidFieldValue, `Invalid quantity ${text(line.quantity) ?? '(none)'} on line ${index + 1}.`);
    const rate = text(line.rate) ?? '0';
    const unit = Number(rate.replace(/%$/, ''));
    if (!Number.isFinite(unit)) throw new StatusFailure(CODES.invalidFieldValue, `Invalid rate ${rate} on line ${index + 1}.`);
    const location = line.location === undefined ? undefined : resolveLocation(state, line.location as Element);
    const description = text(line.description);
    return {
      line: index + 1,
      itemId: item.id,
      quantity,
      rate,
      amount: Math.round(quantity * unit * 100) / 100,
      ...(description === undefined ? {} : { description }),
      ...(location === undefined ? {} : { locationId: location }),
    };
  });
  const memo = text(record.memo);
  const otherRefNum = text(record.otherRefNum);
  return {
    tranDate: text(record.tranDate) ?? SEED_DATE,
    entityId: customer.id,
    lines,
    total: Math.round(lines.reduce((sum, line) => sum + line.amount, 0) * 100) / 100,
    ...(memo === undefined ? {} : { memo }),
    ...(otherRefNum === undefined ? {} : { otherRefNum }),
  };
}

function resolve<T extends { id: string; externalId?: string }>(collection: Collection<T>, ref: Element, field: string): T {
  const internalId = text(ref['@_internalId']);
  const externalId = text(ref['@_externalId']);
  const found = internalId !== undefined ? collection.get(internalId) : collection.all().find((record) => externalId !== undefined && record.externalId === externalId);
  if (found === undefined) throw new StatusFailure(CODES.invalidKeyOrRef, MESSAGES.invalidReference(field, internalId ?? externalId ?? '(none)'));
  return found;
}

function resolveLocation(state: NetsuiteState, ref: Element): string {
  const internalId = text(ref['@_internalId']);
  if (internalId === undefined || !state.locations.has(internalId)) throw new StatusFailure(CODES.invalidKeyOrRef, MESSAGES.invalidReference('location', internalId ?? '(none)'));
  return internalId;
}

function recordRef(internalId: string, externalId: string | undefined, type: string): XmlElement {
  return { '@_internalId': internalId, ...(externalId === undefined ? {} : { '@_externalId': externalId }), '@_type': type, '@_xsi:type': 'platformCore:RecordRef' };
}

function namedRef(internalId: string, name: string | undefined, externalId?: string): XmlElement {
  return { '@_internalId': internalId, ...(externalId === undefined ? {} : { '@_externalId': externalId }), 'platformCore:name': name };
}

function customerXml(customer: NetsuiteCustomer): XmlElement {
  return {
    '@_xsi:type': 'listRel:Customer',
    '@_internalId': customer.id,
    ...(customer.externalId === undefined ? {} : { '@_externalId': customer.externalId }),
    'listRel:entityId': customer.entityId,
    'listRel:isPerson': customer.isPerson,
    'listRel:firstName': customer.firstName,
    'listRel:lastName': customer.lastName,
    'listRel:companyName': customer.companyName,
    'listRel:phone': customer.phone,
    'listRel:email': customer.email,
  };
}

function salesOrderXml(order: NetsuiteSalesOrder, state: NetsuiteState): XmlElement {
  const customer = state.customers.get(order.entityId);
  return {
    '@_xsi:type': 'tranSales:SalesOrder',
    '@_internalId': order.id,
    ...(order.externalId === undefined ? {} : { '@_externalId': order.externalId }),
    'tranSales:entity': namedRef(order.entityId, customer?.entityId, customer?.externalId),
    'tranSales:tranDate': order.tranDate,
    'tranSales:tranId': order.tranId,
    'tranSales:orderStatus': order.orderStatus,
    'tranSales:otherRefNum': order.otherRefNum,
    'tranSales:memo': order.memo,
    'tranSales:subTotal': order.total,
    'tranSales:total': order.total,
    'tranSales:itemList': {
      'tranSales:item': order.lines.map((line) => {
        const item = state.items.get(line.itemId);
        return {
          'tranSales:item': namedRef(line.itemId, item?.itemId, item?.externalId),
          'tranSales:quantity': line.quantity,
          'tranSales:description': line.description,
          'tranSales:rate': line.rate,
          'tranSales:amount': line.amount,
          'tranSales:location': line.locationId === undefined ? undefined : namedRef(line.locationId, state.locations.get(line.locationId)),
          'tranSales:line': line.line,
        };
      }),
    },
  };
}

function itemFulfillmentXml(fulfillment: NetsuiteItemFulfillment, state: NetsuiteState): XmlElement {
  return {
    '@_xsi:type': 'tranSales:ItemFulfillment',
    '@_internalId': fulfillment.id,
    ...(fulfillment.externalId === undefined ? {} : { '@_externalId': fulfillment.externalId }),
    'tranSales:entity': namedRef(fulfillment.entityId, state.customers.get(fulfillment.entityId)?.entityId),
    'tranSales:createdFrom': namedRef(fulfillment.createdFrom, `Sales Order #${state.salesOrders.get(fulfillment.createdFrom)?.tranId ?? ''}`),
    'tranSales:shipStatus': fulfillment.shipStatus,
    'tranSales:tranDate': fulfillment.tranDate,
    'tranSales:tranId': fulfillment.tranId,
    'tranSales:packageList': {
      'tranSales:package': fulfillment.packages.map((parcel) => ({ 'tranSales:packageWeight': parcel.weight, 'tranSales:packageTrackingNumber': parcel.trackingNumber })),
    },
    'tranSales:itemList': {
      'tranSales:item': fulfillment.lines.map((line) => ({
        'tranSales:location': namedRef(line.locationId, state.locations.get(line.locationId)),
        'tranSales:quantity': line.quantity,
        'tranSales:item': namedRef(line.itemId, state.items.get(line.itemId)?.itemId),
        'tranSales:orderLine': line.orderLine,
      })),
    },
  };
}

function inventoryItemXml(item: NetsuiteInventoryItem, bodyFieldsOnly: boolean, state: NetsuiteState): XmlElement {
  return {
    '@_xsi:type': 'listAcct:InventoryItem',
    '@_internalId': item.id,
    ...(item.externalId === undefined ? {} : { '@_externalId': item.externalId }),
    'listAcct:itemId': item.itemId,
    'listAcct:displayName': item.displayName,
    // Sublists only when asked for: NetSuite's bodyFieldsOnly defaults to true.
    'listAcct:locationsList': bodyFieldsOnly
      ? undefined
      : {
          'listAcct:locations': item.quantities.map((quantity) => ({
            'listAcct:location': state.locations.get(quantity.locationId),
            'listAcct:quantityOnHand': quantity.onHand,
            'listAcct:quantityAvailable': quantity.onHand - quantity.committed,
            'listAcct:locationId': { '@_internalId': quantity.locationId },
          })),
        },
  };
}

function xmlResponse(status: number, body: XmlElement): SandboxResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: buildEnvelope({
      version: '1.1',
      namespaces: { xsi: NS.xsi, platformMsgs: NS.platformMsgs, platformCore: NS.platformCore, listRel: NS.listRel, listAcct: NS.listAcct, tranSales: NS.tranSales },
      header: { 'platformMsgs:documentInfo': { 'platformMsgs:nsId': 'WEBSERVICES_SANDBOX' } },
      body,
    }),
  };
}

function faultResponse(fault: Fault): SandboxResponse {
  return {
    status: 500,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: buildEnvelope({
      version: '1.1',
      namespaces: { platformFaults: NS.platformFaults },
      body: {
        'soapenv:Fault': {
          faultcode: fault.faultcode,
          faultstring: fault.message,
          detail: {
            [`platformFaults:${fault.kind}`]: { 'platformFaults:code': fault.code, 'platformFaults:message': fault.message },
            'ns1:hostname': { '@_xmlns:ns1': 'http://xml.apache.org/axis/', '#text': 'sandbox.netsuite.local' },
          },
        },
      },
    }),
  };
}

function seedState(latencyMs: number, catalog: NonNullable<NetsuiteSandboxOptions['catalog']>): NetsuiteState {
  let lastInternalId = 10_000;
  const numbers = new Map<string, number>();
  const locations = new Map<string, string>(SEED_LOCATIONS.map((location) => [location.internalId, location.name]));
  const items = createCollection<NetsuiteInventoryItem>(
    SEED_ITEMS.map((item) => ({
      id: item.internalId,
      externalId: item.externalId,
      itemId: item.itemId,
      displayName: item.displayName,
      quantities: item.quantities.map((quantity) => ({ locationId: quantity.locationId, onHand: quantity.onHand, committed: 0 })),
    })),
  );
  // Catalog items take internal ids after the seeded ones; a SKU is both their externalId and itemId.
  catalog.forEach((item, index) =>
    items.insert({ id: String(201 + index), externalId: item.sku, itemId: item.sku, displayName: item.name, quantities: [{ locationId: SEED_LOCATIONS[0].internalId, onHand: item.onHand, committed: 0 }] }),
  );
  const customers = createCollection<NetsuiteCustomer>([{ id: SEED_CUSTOMER.internalId, externalId: SEED_CUSTOMER.externalId, entityId: SEED_CUSTOMER.entityId, email: SEED_CUSTOMER.email, isPerson: true }]);
  const rate = Number(SEED_SALES_ORDER.rate);
  const salesOrders = createCollection<NetsuiteSalesOrder>([
    {
      id: SEED_SALES_ORDER.internalId,
      externalId: SEED_SALES_ORDER.externalId,
      tranId: SEED_SALES_ORDER.tranId,
      tranDate: SEED_DATE,
      entityId: SEED_CUSTOMER.internalId,
      orderStatus: '_pendingBilling',
      lines: [{ line: 1, itemId: SEED_SALES_ORDER.itemInternalId, quantity: SEED_SALES_ORDER.quantity, rate: SEED_SALES_ORDER.rate, amount: rate * SEED_SALES_ORDER.quantity, locationId: '1' }],
      total: rate * SEED_SALES_ORDER.quantity,
    },
  ]);
  const itemFulfillments = createCollection<NetsuiteItemFulfillment>([
    {
      id: SEED_ITEM_FULFILLMENT.internalId,
      tranId: SEED_ITEM_FULFILLMENT.tranId,
      tranDate: SEED_DATE,
      createdFrom: SEED_SALES_ORDER.internalId,
      entityId: SEED_CUSTOMER.internalId,
      shipStatus: '_shipped',
      lines: [{ itemId: SEED_SALES_ORDER.itemInternalId, quantity: SEED_SALES_ORDER.quantity, locationId: '1', orderLine: 1 }],
      packages: [{ trackingNumber: SEED_ITEM_FULFILLMENT.trackingNumber, weight: 1.2 }],
    },
  ]);
  return {
    customers,
    salesOrders,
    itemFulfillments,
    items,
    locations,
    usedNonces: new Set(),
    searches: new Map(),
    concurrency: { inFlight: 0, maxInFlight: 0, refused: 0 },
    latencyMs,
    nextInternalId: () => String(++lastInternalId),
    nextNumber: (prefix) => {
      const next = (numbers.get(prefix) ?? 1000) + 1;
      numbers.set(prefix, next);
      return `${prefix}${next}`;
    },
  };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Element)['#text'] === 'string') return (value as Element)['#text'] as string;
  return undefined;
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function localType(value: unknown): string | undefined {
  const type = text(value);
  return type?.slice(type.indexOf(':') + 1);
}

function mapDefined<T, R>(value: T | undefined, map: (value: T) => R): R | undefined {
  return value === undefined ? undefined : map(value);
}
