import { defineAction, schema } from '@weft/sdk';
import { quickbooksError } from './fault-errors.ts';
import { ACCEPT_JSON, commonQuery, invoiceResponse, minorversion } from './quickbooks.schemas.ts';

export const readInvoice = defineAction({
  id: 'read-invoice',
  name: 'Read invoice',
  description: 'GET /v3/company/{realmId}/invoice/{id}. QuickBooks answers an unknown id with 400 Object Not Found (610), which becomes a NotFoundError.',
  input: schema.Object({ id: schema.String({ pattern: '^[0-9]+$', description: 'The invoice Id (not its DocNumber).' }), minorversion }, { additionalProperties: false }),
  output: invoiceResponse,
  request: ({ id, minorversion: version }) => ({ method: 'GET', path: `/invoice/${id}`, headers: { ...ACCEPT_JSON }, query: commonQuery({ minorversion: version }) }),
  errors: quickbooksError,
});
