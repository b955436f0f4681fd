/**
 * Facts about the QuickBooks Online Accounting API (v3) that the connector and its sandbox rely
 * on, written down from Intuit's XSD data model (QuickBooks-V3-Java-SDK, ipp-v3-java-data) and
 * its published REST, OAuth 2 and webhook rules, plus the seed data the sandbox starts with.
 * Everything here is test data: no real realm, client or token.
 */

export const PRODUCTION_API = 'https://quickbooks.api.intuit.com';
export const SANDBOX_API = 'https://sandbox-quickbooks.api.intuit.com';
export const AUTHORIZATION_URL = 'https://appcenter.intuit.com/connect/oauth2';
export const TOKEN_URL = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';
export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

/**
 * Sent as `minorversion` on every request. Intuit retired minor versions 1–74 in 2025 and serves
 * 75 to requests that name an older one, so 75 is the floor worth asking for.
 */
export const DEFAULT_MINOR_VERSION = 75;

/** Production throttles: 500 requests a minute and 10 in flight, per realm (company). */
export const REQUESTS_PER_MINUTE = 500;
export const CONCURRENT_REQUESTS = 10;

/** `requestid` (the idempotency key) is unique per realm and at most 50 characters. */
export const REQUEST_ID_MAX_LENGTH = 50;

/** A query returns 100 entities unless MAXRESULTS says otherwise, and never more than 1000. */
export const QUERY_PAGE = { default: 100, max: 1000 } as const;

/** Intuit's access tokens last an hour; refresh tokens 100 days (x_refresh_token_expires_in). */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 8_726_400;

/** The key under which QuickBooks ids go in a canonical record's `ids` (the connector's id). */
export const QUICKBOOKS_IDS_KEY = 'quickbooks';

/** Fault codes (Fault.Error[].code) the connector classifies and the sandbox answers with. */
export const FAULT_CODES = {
  objectNotFound: '610',
  unsupportedOperation: '500',
  invalidProperty: '2010',
  requiredParamMissing: '2020',
  invalidReference: '2500',
  throttleExceeded: '3001',
  applicationAuthorizationFailed: '3100',
  authenticationFailed: '3200',
  queryParserError: '4000',
  queryValidationError: '4001',
  staleObject: '5010',
  businessValidation: '6000',
  amountMismatch: '6070',
  duplicateDocNumber: '6140',
  duplicateName: '6240',
  systemFailure: '10000',
} as const;

export const FAULT_MESSAGES = {
  authenticationFailed: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
  authorizationFailed: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
  throttleExceeded: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
  throttleDetail: 'The request limit was reached.  Try again later',
  objectNotFound: 'Object Not Found',
  objectNotFoundDetail: "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
  duplicateName: 'Duplicate Name Exists Error',
  duplicateNameDetail: 'The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.',
  duplicateDocNumber: 'Duplicate Document Number Error',
  requiredParamMissing: 'Required param missing, need to supply the required value for the API',
  invalidReference: 'Invalid Reference Id',
  invalidProperty: 'Request has invalid or unsupported property',
  businessValidation: 'A business validation error has occurred while processing your request',
  queryParser: 'Error parsing query',
  queryValidation: 'Invalid query',
  unsupportedOperation: 'Unsupported Operation',
  systemFailure: 'An application error has occurred while processing your request',
} as const;

/** The operations a data change event names. */
export const CHANGE_OPERATIONS = ['Create', 'Update', 'Delete', 'Merge', 'Void', 'Emailed'] as const;

/** `<Entity>.<Operation>`: the events the sandbox can build and deliver. */
export const QUICKBOOKS_EVENT_TYPES = [
  'Invoice.Create',
  'Invoice.Update',
  'Customer.Create',
  'Customer.Update',
  'Payment.Create',
  'CreditMemo.Create',
] as const;

/**
 * Top-level properties each create accepts (the XSD's elements of the entity and its bases).
 * QuickBooks refuses any other name with code 2010 rather than ignoring it.
 */
const TRANSACTION_FIELDS = ['Id', 'SyncToken', 'MetaData', 'CustomField', 'DocNumber', 'TxnDate', 'DepartmentRef', 'CurrencyRef', 'ExchangeRate', 'PrivateNote', 'TxnStatus', 'LinkedTxn', 'Line', 'TxnTaxDetail', 'TxnSource', 'ProjectRef'];
const SALES_TRANSACTION_FIELDS = [
  ...TRANSACTION_FIELDS,
  'AutoDocNumber', 'CustomerRef', 'CustomerMemo', 'BillAddr', 'ShipAddr', 'FreeFormAddress', 'ShipFromAddr', 'ClassRef', 'SalesTermRef', 'DueDate',
  'SalesRepRef', 'PONumber', 'FOB', 'ShipMethodRef', 'ShipDate', 'TrackingNum', 'GlobalTaxCalculation', 'TotalAmt', 'HomeTotalAmt',
  'ApplyTaxAfterDiscount', 'PrintStatus', 'EmailStatus', 'BillEmail', 'BillEmailCc', 'BillEmailBcc', 'Balance', 'DepositToAccountRef',
];
export const CREATE_FIELDS: Readonly<Record<'Customer' | 'Invoice' | 'Payment' | 'CreditMemo', readonly string[]>> = {
  Customer: [
    'Id', 'SyncToken', 'MetaData', 'Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix', 'FullyQualifiedName', 'CompanyName', 'DisplayName',
    'PrintOnCheckName', 'Active', 'PrimaryPhone', 'AlternatePhone', 'Mobile', 'Fax', 'PrimaryEmailAddr', 'WebAddr', 'DefaultTaxCodeRef', 'Taxable',
    'BillAddr', 'ShipAddr', 'Notes', 'Job', 'BillWithParent', 'ParentRef', 'SalesTermRef', 'PaymentMethodRef', 'Balance', 'OpenBalanceDate',
    'CurrencyRef', 'PreferredDeliveryMethod', 'ResaleNum', 'AcctNum', 'CustomerTypeRef',
  ],
  Invoice: [...SALES_TRANSACTION_FIELDS, 'Deposit', 'AllowOnlinePayment', 'AllowOnlineCreditCardPayment', 'AllowOnlineACHPayment'],
  Payment: [...TRANSACTION_FIELDS, 'CustomerRef', 'ARAccountRef', 'DepositToAccountRef', 'PaymentMethodRef', 'PaymentRefNum', 'TotalAmt', 'UnappliedAmt', 'ProcessPayment'],
  CreditMemo: [...SALES_TRANSACTION_FIELDS, 'RemainingCredit', 'InvoiceRef'],
};

// ---- Sandbox seed and credentials -------------------------------------------------------------

/**
 * Realm ids are numbers written as text, up to 19 digits. This one stays below 2^53 so that
 * `--set realmId=…` (which the CLI reads as JSON, hence as a number) keeps every digit.
 */
export const SANDBOX_REALM_ID = '4620816365123456';
export const SANDBOX_CLIENT_ID = 'ABweftSandboxClientId00000000000000000000000000';
export const SANDBOX_CLIENT_SECRET = 'weftSandboxClientSecret0000000000000000';
/** Issued at start for the seeded realm, and never expiring, so `weft sandbox quickbooks` is usable by hand. */
export const SANDBOX_ACCESS_TOKEN = 'weft-sandbox-access-token-4620816365123456';
export const SANDBOX_VERIFIER_TOKEN = 'weft-sandbox-verifier-token-1f4c7a';

export const HOME_CURRENCY = { value: 'USD', name: 'United States Dollar' } as const;

/** 2026-01-05T17:00:00Z: seeded records are created a day apart from here. */
export const SEED_EPOCH_MS = Date.UTC(2026, 0, 5, 17, 0, 0);

/** Name-list items an invoice line can name (ItemRef.value = Id). Id 1 "Services" is QuickBooks' default item. */
export const SEED_ITEMS = [
  { Id: '1', Name: 'Services', Type: 'Service', UnitPrice: 0 },
  { Id: '2', Name: 'Hours', Type: 'Service', UnitPrice: 75 },
  { Id: '3', Name: 'Widget', Sku: 'WIDGET-1', Type: 'NonInventory', UnitPrice: 19.99 },
  { Id: '4', Name: 'Gadget', Sku: 'GADGET-2', Type: 'NonInventory', UnitPrice: 45 },
  { Id: '5', Name: 'Shipping', Sku: 'SHIPPING', Type: 'Service', UnitPrice: 0 },
] as const;

/** 12 customers: a query with MAXRESULTS 5 spans three pages. */
export const SEED_CUSTOMERS = [
  ['Amy', 'Bird', "Amy's Bird Sanctuary"],
  ['Bill', 'Lucchini', "Bill's Windsurf Shop"],
  ['Grace', 'Pariente', 'Cool Cars'],
  ['Diego', 'Rodriguez', 'Diego Rodriguez'],
  ['Dylan', 'Sollfrank', 'Dylan Sollfrank'],
  ['Kirby', 'Freeman', 'Freeman Sporting Goods'],
  ['Geeta', 'Kalapatapu', 'Geeta Kalapatapu'],
  ['Jeff', 'Chin', "Jeff's Jalopies"],
  ['John', 'Melton', 'John Melton'],
  ['Kate', 'Whelan', 'Kate Whelan'],
  ['Mark', 'Cho', 'Mark Cho'],
  ['Sasha', 'Tillou', 'Pye\'s Cakes'],
] as const;

/** Two open invoices, for the first two customers. */
export const SEED_INVOICES = [
  { Id: '130', DocNumber: '1001', customerIndex: 0, lines: [{ itemId: '3', qty: 2, unitPrice: 19.99 }] },
  { Id: '131', DocNumber: '1002', customerIndex: 1, lines: [{ itemId: '2', qty: 4, unitPrice: 75 }, { itemId: '5', qty: 1, unitPrice: 12.5 }] },
] as const;

/**
 * A webhook signature worked out once with Node's crypto and written down: base64(HMAC-SHA256(
 * SANDBOX_VERIFIER_TOKEN, body)) over exactly these bytes. Tests check the trigger's scheme and
 * the sandbox's signer against it, so a change to either shows up as a mismatch.
 */
export const WEBHOOK_TEST_VECTOR = {
  verifierToken: SANDBOX_VERIFIER_TOKEN,
  body: '{"eventNotifications":[{"realmId":"4620816365123456","dataChangeEvent":{"entities":[{"name":"Invoice","id":"130","operation":"Create","lastUpdated":"2026-01-05T09:15:00-08:00"}]}}]}',
  signature: 'nVu8l3fve406jXZ2lByquWZm1DnCJD43s9rzv8TmQuQ=',
} as const;
