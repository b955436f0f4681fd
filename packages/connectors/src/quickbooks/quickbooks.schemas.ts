import { schema, type Infer } from '@weft/sdk';
import { DEFAULT_MINOR_VERSION, QUERY_PAGE, REQUEST_ID_MAX_LENGTH } from './quickbooks.fixtures.ts';

/**
 * QuickBooks Online entities in their JSON form, with Intuit's element names (Finance.xsd,
 * IntuitBaseTypes.xsd, IntuitNamesTypes.xsd) so Intuit's API reference applies as written. Only
 * the elements flows read are listed; objects allow the rest, as QuickBooks adds elements with
 * minor versions. Amounts are JSON numbers, as QuickBooks sends and expects them.
 */

/** ReferenceType: an entity's Id as `value`, and its display name on output. */
export const ref = schema.Object({ value: schema.String({ minLength: 1 }), name: schema.Optional(schema.String()) });

export const physicalAddress = schema.Object({
  Id: schema.Optional(schema.String()),
  Line1: schema.Optional(schema.String({ maxLength: 500 })),
  Line2: schema.Optional(schema.String({ maxLength: 500 })),
  Line3: schema.Optional(schema.String({ maxLength: 500 })),
  Line4: schema.Optional(schema.String({ maxLength: 500 })),
  Line5: schema.Optional(schema.String({ maxLength: 500 })),
  City: schema.Optional(schema.String({ maxLength: 255 })),
  Country: schema.Optional(schema.String({ maxLength: 255 })),
  CountryCode: schema.Optional(schema.String()),
  CountrySubDivisionCode: schema.Optional(schema.String({ maxLength: 255 })),
  PostalCode: schema.Optional(schema.String({ maxLength: 30 })),
});

export const emailAddress = schema.Object({ Address: schema.Optional(schema.String({ maxLength: 100 })) });
export const telephoneNumber = schema.Object({ FreeFormNumber: schema.Optional(schema.String({ maxLength: 30 })) });

export const metaData = schema.Object({
  CreateTime: schema.String({ description: 'ISO 8601 with offset, in the company\'s time zone.' }),
  LastUpdatedTime: schema.String(),
});

/** xs:date: a calendar date without offset. */
export const calendarDate = (description?: string) =>
  schema.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', ...(description === undefined ? {} : { description }) });

export const linkedTxn = schema.Object({ TxnId: schema.String(), TxnType: schema.String(), TxnLineId: schema.Optional(schema.String()) });

export const customer = schema.Object({
  Id: schema.String(),
  SyncToken: schema.String({ description: 'The version; an update must send the current one.' }),
  DisplayName: schema.String(),
  Title: schema.Optional(schema.String()),
  GivenName: schema.Optional(schema.String()),
  MiddleName: schema.Optional(schema.String()),
  FamilyName: schema.Optional(schema.String()),
  Suffix: schema.Optional(schema.String()),
  CompanyName: schema.Optional(schema.String()),
  FullyQualifiedName: schema.Optional(schema.String()),
  PrimaryEmailAddr: schema.Optional(emailAddress),
  PrimaryPhone: schema.Optional(telephoneNumber),
  BillAddr: schema.Optional(physicalAddress),
  ShipAddr: schema.Optional(physicalAddress),
  Notes: schema.Optional(schema.String()),
  Active: schema.Boolean(),
  Balance: schema.Number({ description: 'Open balance, in the customer\'s currency.' }),
  CurrencyRef: schema.Optional(ref),
  MetaData: metaData,
});
export type QuickBooksCustomer = Infer<typeof customer>;

/** A line as QuickBooks returns it: SalesItemLineDetail lines, plus the SubTotalLineDetail line it adds. */
export const salesItemLineDetail = schema.Object({
  ItemRef: ref,
  Qty: schema.Optional(schema.Number()),
  UnitPrice: schema.Optional(schema.Number()),
  TaxCodeRef: schema.Optional(ref),
  ServiceDate: schema.Optional(calendarDate()),
});

export const line = schema.Object({
  Id: schema.Optional(schema.String()),
  LineNum: schema.Optional(schema.Integer()),
  Description: schema.Optional(schema.String()),
  Amount: schema.Number(),
  DetailType: schema.String({ description: 'SalesItemLineDetail, SubTotalLineDetail, DescriptionOnly, …' }),
  SalesItemLineDetail: schema.Optional(salesItemLineDetail),
  LinkedTxn: schema.Optional(schema.Array(linkedTxn)),
});
export type QuickBooksLine = Infer<typeof line>;

/** What a create sends per line: one item sold, Amount = Qty × UnitPrice. */
export const salesItemLineInput = schema.Object(
  {
    Description: schema.Optional(schema.String({ maxLength: 4000 })),
    Amount: schema.Number({ description: 'Qty × UnitPrice; QuickBooks refuses a line where they differ (6070).' }),
    DetailType: schema.Literal('SalesItemLineDetail'),
    SalesItemLineDetail: salesItemLineDetail,
  },
  { additionalProperties: false },
);

const transactionFields = {
  Id: schema.String(),
  SyncToken: schema.String(),
  DocNumber: schema.Optional(schema.String()),
  TxnDate: calendarDate(),
  CustomerRef: ref,
  Line: schema.Array(line),
  TotalAmt: schema.Number(),
  CurrencyRef: ref,
  PrivateNote: schema.Optional(schema.String()),
  LinkedTxn: schema.Optional(schema.Array(linkedTxn)),
  MetaData: metaData,
};

export const invoice = schema.Object({
  ...transactionFields,
  DueDate: schema.Optional(calendarDate()),
  Balance: schema.Number({ description: 'What is still owed; 0 once paid.' }),
  BillEmail: schema.Optional(emailAddress),
  BillAddr: schema.Optional(physicalAddress),
  ShipAddr: schema.Optional(physicalAddress),
  CustomerMemo: schema.Optional(schema.Object({ value: schema.String() })),
});
export type QuickBooksInvoice = Infer<typeof invoice>;

export const payment = schema.Object({
  Id: schema.String(),
  SyncToken: schema.String(),
  TxnDate: calendarDate(),
  CustomerRef: ref,
  TotalAmt: schema.Number(),
  UnappliedAmt: schema.Number({ description: 'The part of TotalAmt not applied to any invoice.' }),
  Line: schema.Array(schema.Object({ Amount: schema.Number(), LinkedTxn: schema.Array(linkedTxn) })),
  PaymentRefNum: schema.Optional(schema.String()),
  CurrencyRef: ref,
  PrivateNote: schema.Optional(schema.String()),
  MetaData: metaData,
});
export type QuickBooksPayment = Infer<typeof payment>;

export const creditMemo = schema.Object({
  ...transactionFields,
  Balance: schema.Number(),
  RemainingCredit: schema.Number({ description: 'The credit not yet applied to invoices or refunded.' }),
});
export type QuickBooksCreditMemo = Infer<typeof creditMemo>;

export const companyInfo = schema.Object({
  Id: schema.String(),
  SyncToken: schema.String(),
  CompanyName: schema.String(),
  LegalName: schema.Optional(schema.String()),
  Country: schema.Optional(schema.String()),
  CompanyAddr: schema.Optional(physicalAddress),
  Email: schema.Optional(emailAddress),
  FiscalYearStartMonth: schema.Optional(schema.String()),
  MetaData: schema.Optional(metaData),
});

/** Single-entity answers: `{ "Invoice": { … }, "time": "…" }` (IntuitResponse in JSON). */
const time = schema.String({ description: 'When QuickBooks answered, ISO 8601 in Pacific time.' });
export const customerResponse = schema.Object({ Customer: customer, time });
export const invoiceResponse = schema.Object({ Invoice: invoice, time });
export const paymentResponse = schema.Object({ Payment: payment, time });
export const creditMemoResponse = schema.Object({ CreditMemo: creditMemo, time });

// ---- Inputs shared by the actions -------------------------------------------------------------

/** Every action takes it; the engine's request builder cannot see connection config (see the connector). */
export const minorversion = schema.Optional(
  schema.Integer({ minimum: 1, default: DEFAULT_MINOR_VERSION, description: `The API minor version to ask for; default ${DEFAULT_MINOR_VERSION}.` }),
);

/**
 * Sent as the `requestid` query parameter: QuickBooks answers a repeated id (per realm) with the
 * first response instead of creating the record again. Pass the step's idempotency key.
 */
export const idempotencyKey = schema.Optional(
  schema.String({ minLength: 1, maxLength: REQUEST_ID_MAX_LENGTH, description: 'Becomes ?requestid=; at most 50 characters, unique per company.' }),
);

export const pageSize = schema.Optional(
  schema.Integer({ minimum: 1, maximum: QUERY_PAGE.max, default: QUERY_PAGE.default, description: 'MAXRESULTS per page (QuickBooks allows up to 1000).' }),
);

/** QuickBooks answers XML unless asked for JSON, so every request asks, whatever the client's default. */
export const ACCEPT_JSON = { accept: 'application/json' } as const;

/** The query parameters every request carries. */
export function commonQuery(input: { minorversion?: number; idempotencyKey?: string }) {
  return { minorversion: input.minorversion ?? DEFAULT_MINOR_VERSION, requestid: input.idempotencyKey };
}
