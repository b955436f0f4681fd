import { defineAction, schema } from '@weft/sdk';
import { quickbooksError } from './fault-errors.ts';
import { ACCEPT_JSON, calendarDate, commonQuery, emailAddress, idempotencyKey, invoiceResponse, minorversion, physicalAddress, ref, salesItemLineInput } from './quickbooks.schemas.ts';

export const invoiceFields = {
  CustomerRef: ref,
  Line: schema.Array(salesItemLineInput, { minItems: 1 }),
  DocNumber: schema.Optional(schema.String({ minLength: 1, maxLength: 21, description: 'Omit to let QuickBooks number it; a number already used is a conflict (6140).' })),
  TxnDate: schema.Optional(calendarDate('Default: today in the company\'s time zone.')),
  PrivateNote: schema.Optional(schema.String({ maxLength: 4000 })),
  CurrencyRef: schema.Optional(ref),
};

export const createInvoice = defineAction({
  id: 'create-invoice',
  name: 'Create invoice',
  description:
    'POST /v3/company/{realmId}/invoice: one SalesItemLineDetail line per item sold (ItemRef.value is the Item Id). An unknown customer or item is refused (2500); a line whose Amount is not Qty × UnitPrice too (6070). Pass idempotencyKey so a retried create returns the first invoice.',
  input: schema.Object(
    {
      ...invoiceFields,
      DueDate: schema.Optional(calendarDate()),
      BillEmail: schema.Optional(emailAddress),
      BillAddr: schema.Optional(physicalAddress),
      ShipAddr: schema.Optional(physicalAddress),
      CustomerMemo: schema.Optional(schema.Object({ value: schema.String({ maxLength: 1000 }) })),
      minorversion,
      idempotencyKey,
    },
    { additionalProperties: false },
  ),
  output: invoiceResponse,
  request: ({ minorversion: version, idempotencyKey: key, ...invoice }) => ({
    method: 'POST',
    path: '/invoice',
    headers: { ...ACCEPT_JSON },
    query: commonQuery({ minorversion: version, idempotencyKey: key }),
    body: invoice,
  }),
  errors: quickbooksError,
  xref: { entity: 'invoice', id: (output) => output.Invoice.Id },
});
