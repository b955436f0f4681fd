import type { Infer, XmlElement } from '@weft/sdk';
import { recordRefAttributes } from './netsuite.soap.ts';
import type { salesOrderInput } from './netsuite.schemas.ts';

/** A tranSales:SalesOrder record, its elements in the XSD's sequence order (NetSuite checks it). */
export function salesOrderRecord(input: Infer<typeof salesOrderInput>): XmlElement {
  return {
    '@_xsi:type': 'tranSales:SalesOrder',
    '@_externalId': input.externalId,
    'tranSales:entity': recordRefAttributes(input.entity),
    'tranSales:currency': input.currency === undefined ? undefined : recordRefAttributes(input.currency),
    'tranSales:tranDate': input.tranDate,
    'tranSales:otherRefNum': input.otherRefNum,
    'tranSales:memo': input.memo,
    'tranSales:itemList': {
      'tranSales:item': input.itemList.map((line) => ({
        'tranSales:item': recordRefAttributes(line.item),
        'tranSales:quantity': line.quantity,
        'tranSales:description': line.description,
        'tranSales:rate': line.rate,
        'tranSales:location': line.location === undefined ? undefined : recordRefAttributes(line.location),
      })),
    },
  };
}
