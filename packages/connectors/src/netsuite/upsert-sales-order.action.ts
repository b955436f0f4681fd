import { defineAction } from '@weft/sdk';
import { netsuiteErrors, readWrite, soapRequest } from './netsuite.soap.ts';
import { salesOrderInput, writeResult } from './netsuite.schemas.ts';
import { salesOrderRecord } from './sales-order-record.ts';

export const upsertSalesOrder = defineAction({
  id: 'upsert-sales-order',
  name: 'Upsert sales order',
  description:
    'SOAP upsert of a SalesOrder keyed by externalId: safe to repeat, since NetSuite has no idempotency header and the externalId is what makes a retry land on the same order.',
  input: salesOrderInput,
  output: writeResult,
  xref: { entity: 'order', id: (written) => written.internalId },
  request: (input) => soapRequest('upsert', { 'platformMsgs:record': salesOrderRecord(input) }),
  response: (raw) => readWrite(raw as string),
  errors: netsuiteErrors,
});
