/**
 * Facts about NetSuite's SuiteTalk SOAP web services (WSDL and XSD 2023.2) that the connector
 * sends and the sandbox reproduces, plus the sandbox's seed data and credentials. Everything
 * here is test data: no real account, key or token.
 */

export const WS_VERSION = '2023_2';

/** The endpoint path; the host is `{accountId}.suitetalk.api.netsuite.com`. */
export const SERVICE_PATH = `/services/NetSuitePort_${WS_VERSION}`;

/** The schema namespaces, by the prefixes NetSuite's own messages use. */
export const NS = {
  soapenv: 'http://schemas.xmlsoap.org/soap/envelope/',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  platformMsgs: `urn:messages_${WS_VERSION}.platform.webservices.netsuite.com`,
  platformCore: `urn:core_${WS_VERSION}.platform.webservices.netsuite.com`,
  platformCommon: `urn:common_${WS_VERSION}.platform.webservices.netsuite.com`,
  platformFaults: `urn:faults_${WS_VERSION}.platform.webservices.netsuite.com`,
  listRel: `urn:relationships_${WS_VERSION}.lists.webservices.netsuite.com`,
  listAcct: `urn:accounting_${WS_VERSION}.lists.webservices.netsuite.com`,
  tranSales: `urn:sales_${WS_VERSION}.transactions.webservices.netsuite.com`,
} as const;

/** The WSDL binding's soapAction for each operation the connector uses (equal to the operation name). */
export const OPERATIONS = ['add', 'upsert', 'get', 'search', 'searchMoreWithId', 'getServerTime'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** NetSuite's default account concurrency limit (one integration, no SuiteCloud Plus licence). */
export const ACCOUNT_CONCURRENCY_LIMIT = 5;

/** How far a tokenPassport timestamp may be from NetSuite's clock before the login is refused. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

/** SearchPreferences.pageSize: NetSuite's bounds and its default when none is sent. */
export const SEARCH_PAGE_SIZE = { min: 5, max: 1000, default: 1000 } as const;

/** Made-up TBA credentials in NetSuite's shapes (account id, 64-hex keys), for the sandbox and tests. */
export const SANDBOX_CREDENTIALS = {
  account: '1234567_SB1',
  consumerKey: 'ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4',
  consumerSecret: 'd26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9a8f5',
  tokenId: '2b5d9e5c34e5a2ab2c40f5f0c7b0e8b1a9b4c2ce0e9f3cd2ca2fb0ab33cbb7b1',
  tokenSecret: 'c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295',
} as const;

/** Fault and status detail codes (platformFaultTyp FaultCodeType / StatusDetailCodeType). */
export const CODES = {
  invalidLogin: 'INVALID_LOGIN_ATTEMPT',
  concurrency: 'WS_CONCUR_SESSION_DISALLWD',
  requestBlocked: 'WS_REQUEST_BLOCKED',
  unexpected: 'UNEXPECTED_ERROR',
  userError: 'USER_ERROR',
  invalidKeyOrRef: 'INVALID_KEY_OR_REF',
  recordMissing: 'RCRD_DSNT_EXIST',
  duplicateEntity: 'DUP_ENTITY',
  duplicateRecord: 'DUP_RCRD',
  invalidFieldValue: 'INVALID_FLD_VALUE',
  invalidPageSize: 'INVALID_SEARCH_PAGE_SIZE',
  invalidPageIndex: 'INVALID_SEARCH_PAGE_INDEX',
  expiredSearch: 'EXPIRED_SEARCH_CRITERIA',
} as const;

export const MESSAGES = {
  invalidLogin: 'Invalid login attempt.',
  concurrency: 'Concurrent request limit exceeded. Request blocked.',
  unexpected: 'An unexpected error occurred.',
  invalidReference: (field: string, key: string) => `Invalid ${field} reference key ${key}.`,
  recordMissing: 'That record does not exist.',
  duplicateEntity: 'This entity already exists.',
  duplicateRecord: 'This record already exists.',
  requiredField: (field: string) => `Please enter value(s) for: ${field}`,
  pageSize: `Invalid search page size. Page size must be between ${SEARCH_PAGE_SIZE.min} and ${SEARCH_PAGE_SIZE.max}.`,
  pageIndex: (index: number, total: number) => `Invalid search page index ${index}; the search has ${total} pages.`,
  expiredSearch: 'The search is no longer available. Please run the search again.',
} as const;

export const SEED_LOCATIONS = [
  { internalId: '1', name: 'Main Warehouse' },
  { internalId: '2', name: 'East Coast DC' },
] as const;

/** Twelve inventory items, so a search with page size 5 spans three pages. */
export const SEED_ITEMS = Array.from({ length: 12 }, (_, index) => ({
  internalId: String(101 + index),
  externalId: `SKU-${1001 + index}`,
  itemId: `SKU-${1001 + index}`,
  displayName: `Weft sample item ${index + 1}`,
  // Item 12 is stocked only at the main warehouse.
  quantities: index === 11 ? [{ locationId: '1', onHand: 3 }] : [{ locationId: '1', onHand: 10 * (index + 1) }, { locationId: '2', onHand: index }],
}));

export const SEED_CUSTOMER = { internalId: '3345', externalId: 'shop-customer-7001', entityId: 'Ada Lovelace', email: 'ada@example.com' } as const;

/** A shipped order with its fulfillment, so get-item-fulfillment has something to read. */
export const SEED_SALES_ORDER = { internalId: '5001', externalId: 'shop-order-1001', tranId: 'SO1001', itemInternalId: '101', quantity: 2, rate: '19.99' } as const;
export const SEED_ITEM_FULFILLMENT = { internalId: '6001', tranId: 'IF1001', trackingNumber: '794699999999' } as const;

/** 2026-01-01T00:00:00Z: seeded transactions are dated from here. */
export const SEED_DATE = '2026-01-01T00:00:00.000Z';
