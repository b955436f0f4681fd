import { defineAction, type Infer } from '@weft/sdk';
import { getRequest, netsuiteErrors, optional, readNumber, readRecord, readRef, readText } from './netsuite.soap.ts';
import { itemFulfillment, recordRef } from './netsuite.schemas.ts';

export const getItemFulfillment = defineAction({
  id: 'get-item-fulfillment',
  name: 'Get item fulfillment',
  description: 'SOAP get of an ItemFulfillment (what shipped, from where, with which tracking numbers) by internalId or externalId.',
  input: recordRef,
  output: itemFulfillment,
  request: (ref) => getRequest('itemFulfillment', ref),
  response: (raw) => toItemFulfillment(readRecord(raw as string)),
  errors: netsuiteErrors,
});

function toItemFulfillment(record: Record<string, unknown>): Infer<typeof itemFulfillment> {
  const items = ((record.itemList as { item?: Record<string, unknown>[] } | undefined)?.item ?? []).map((line) => ({
    item: readRef(line.item) ?? { internalId: '' },
    ...optional('quantity', readNumber(line.quantity)),
    ...optional('location', readRef(line.location)),
    ...optional('orderLine', readNumber(line.orderLine)),
  }));
  const packages = ((record.packageList as { package?: Record<string, unknown>[] } | undefined)?.package ?? []).map((parcel) => ({
    ...optional('packageTrackingNumber', readText(parcel.packageTrackingNumber)),
    ...optional('packageWeight', readNumber(parcel.packageWeight)),
    ...optional('packageDescr', readText(parcel.packageDescr)),
  }));
  return {
    internalId: String(record['@_internalId']),
    ...optional('externalId', readText(record['@_externalId'])),
    ...optional('tranId', readText(record.tranId)),
    ...optional('tranDate', readText(record.tranDate)),
    ...optional('shipStatus', readText(record.shipStatus)),
    ...optional('createdFrom', readRef(record.createdFrom)),
    ...optional('entity', readRef(record.entity)),
    itemList: items,
    packageList: packages,
  };
}
