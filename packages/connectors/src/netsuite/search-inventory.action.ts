import { defineAction, schema, type HttpClient, type Infer, type XmlElement } from '@weft/sdk';
import { SEARCH_PAGE_SIZE } from './netsuite.fixtures.ts';
import { netsuiteErrors, optional, readNumber, readRef, readText, responseBody, soapRequest } from './netsuite.soap.ts';
import { inventoryLevel } from './netsuite.schemas.ts';

interface SearchResult {
  totalRecords?: string;
  totalPages?: string;
  pageIndex?: string;
  searchId?: string;
  recordList?: { record?: Record<string, unknown>[] };
}

export const searchInventory = defineAction({
  id: 'search-inventory',
  name: 'Search inventory',
  description:
    'Inventory items with their quantities by location (ItemSearchBasic, sublists included), every page: search, then searchMoreWithId until the last page.',
  input: schema.Object({
    itemId: schema.Optional(schema.String({ minLength: 1, description: 'Only the item with this name/number (SKU).' })),
    locations: schema.Optional(
      schema.Array(schema.String({ minLength: 1 }), { minItems: 1, description: 'Location internalIds: only items stocked there, and only their quantities.' }),
    ),
    pageSize: schema.Optional(
      schema.Integer({ minimum: SEARCH_PAGE_SIZE.min, maximum: SEARCH_PAGE_SIZE.max, default: SEARCH_PAGE_SIZE.default, description: 'Records per page.' }),
    ),
  }),
  output: schema.Object({ totalRecords: schema.Integer(), items: schema.Array(inventoryLevel) }),
  errors: netsuiteErrors,
  async run({ input, http }) {
    // Sublists (locationsList) come back only with bodyFieldsOnly=false; the preference applies per request.
    const preferences: XmlElement = {
      'platformMsgs:searchPreferences': { 'platformMsgs:bodyFieldsOnly': false, 'platformMsgs:pageSize': input.pageSize ?? SEARCH_PAGE_SIZE.default },
    };
    const first = await searchPage(http, soapRequest('search', { 'platformMsgs:searchRecord': itemSearch(input) }, preferences));
    const records = [...(first.recordList?.record ?? [])];
    const totalPages = readNumber(first.totalPages) ?? 1;
    for (let pageIndex = 2; pageIndex <= totalPages; pageIndex++) {
      const page = await searchPage(
        http,
        soapRequest('searchMoreWithId', { 'platformMsgs:searchId': first.searchId, 'platformMsgs:pageIndex': pageIndex }, preferences),
      );
      records.push(...(page.recordList?.record ?? []));
    }
    const wanted = input.locations === undefined ? undefined : new Set(input.locations);
    return { totalRecords: readNumber(first.totalRecords) ?? records.length, items: records.map((record) => toInventoryLevel(record, wanted)) };
  },
});

function itemSearch(input: { itemId?: string | undefined; locations?: string[] | undefined }): XmlElement {
  // Elements in the XSD's sequence order for ItemSearchBasic.
  return {
    '@_xsi:type': 'platformCommon:ItemSearchBasic',
    'platformCommon:inventoryLocation':
      input.locations === undefined
        ? undefined
        : { '@_operator': 'anyOf', 'platformCore:searchValue': input.locations.map((internalId) => ({ '@_internalId': internalId })) },
    'platformCommon:itemId': input.itemId === undefined ? undefined : { '@_operator': 'is', 'platformCore:searchValue': input.itemId },
    'platformCommon:type': { '@_operator': 'anyOf', 'platformCore:searchValue': '_inventoryItem' },
  };
}

async function searchPage(http: HttpClient, request: ReturnType<typeof soapRequest>): Promise<SearchResult> {
  const response = await http.request(request);
  const body = responseBody(response.text);
  const operation = Object.values(body)[0] as { searchResult?: SearchResult } | undefined;
  return operation?.searchResult ?? {};
}

/** An InventoryItem record as the connector's inventory level; `wanted` keeps only those locations. */
export function toInventoryLevel(record: Record<string, unknown>, wanted?: Set<string>): Infer<typeof inventoryLevel> {
  const locations = ((record.locationsList as { locations?: Record<string, unknown>[] } | undefined)?.locations ?? [])
    .map((entry) => ({
      locationId: readRef(entry.locationId)?.internalId ?? '',
      ...optional('location', readText(entry.location)),
      quantityOnHand: readNumber(entry.quantityOnHand) ?? 0,
      quantityAvailable: readNumber(entry.quantityAvailable) ?? 0,
    }))
    .filter((entry) => entry.locationId !== '' && (wanted === undefined || wanted.has(entry.locationId)));
  return {
    internalId: String(record['@_internalId']),
    ...optional('externalId', readText(record['@_externalId'])),
    itemId: readText(record.itemId) ?? '',
    ...optional('displayName', readText(record.displayName)),
    locations,
  };
}
