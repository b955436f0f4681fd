import { defineAction } from '@weft/sdk';
import { netsuiteErrors, readWrite, soapRequest } from './netsuite.soap.ts';
import { salesOrderInput, writeResult } from './netsuite.schemas.ts';
import { salesOrderRecord } from './sales-order-record.ts';

export const addSalesOrder = defineAction({
  id: 'add-sales-order',
  name: 'Add sales order',
  description: 'SOAP add of a SalesOrder. An externalId NetSuite already has is a ConflictError (DUP_RCRD), never a second order.',
  input: salesOrderInput,
  output: writeResult,
  xref: { entity: 'order', id: (written) => written.internalId },
  request: (input) => soapRequest('add', { 'platformMsgs:record': salesOrderRecord(input) }),
  response: (raw) => readWrite(raw as string),
  errors: netsuiteErrors,
});
