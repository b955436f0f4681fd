import { defineAction, type Infer } from '@weft/sdk';
import { getRequest, netsuiteErrors, optional, readNumber, readRecord, readRef, readText } from './netsuite.soap.ts';
import { recordRef, salesOrder } from './netsuite.schemas.ts';

export const getSalesOrder = defineAction({
  id: 'get-sales-order',
  name: 'Get sales order',
  description: 'SOAP get of a SalesOrder by internalId or externalId. One that does not exist is a NotFoundError (RCRD_DSNT_EXIST).',
  input: recordRef,
  output: salesOrder,
  request: (ref) => getRequest('salesOrder', ref),
  response: (raw) => toSalesOrder(readRecord(raw as string)),
  errors: netsuiteErrors,
});

function toSalesOrder(record: Record<string, unknown>): Infer<typeof salesOrder> {
  const lines = ((record.itemList as { item?: Record<string, unknown>[] } | undefined)?.item ?? []).map((line) => ({
    ...optional('line', readNumber(line.line)),
    item: readRef(line.item) ?? { internalId: '' },
    ...optional('quantity', readNumber(line.quantity)),
    ...optional('rate', readText(line.rate)),
    ...optional('amount', readNumber(line.amount)),
  }));
  return {
    internalId: String(record['@_internalId']),
    ...optional('externalId', readText(record['@_externalId'])),
    ...optional('tranId', readText(record.tranId)),
    ...optional('tranDate', readText(record.tranDate)),
    ...optional('orderStatus', readText(record.orderStatus)),
    ...optional('entity', readRef(record.entity)),
    ...optional('memo', readText(record.memo)),
    ...optional('subTotal', readNumber(record.subTotal)),
    ...optional('total', readNumber(record.total)),
    itemList: lines,
  };
}
