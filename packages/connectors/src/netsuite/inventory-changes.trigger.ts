import { defineTrigger, type Infer, type PageResponse, type PaginationStrategy, type XmlElement } from '@weft/sdk';
import { SEARCH_PAGE_SIZE } from './netsuite.fixtures.ts';
import { netsuiteErrors, readNumber, responseBody, soapRequest } from './netsuite.soap.ts';
import { toInventoryLevel } from './search-inventory.action.ts';
import { inventoryLevel } from './netsuite.schemas.ts';

type InventoryItem = Infer<typeof inventoryLevel>;

interface SearchResult {
  totalPages?: string;
  pageIndex?: string;
  searchId?: string;
  recordList?: { record?: Record<string, unknown>[] };
}

// Sublists (locationsList) come back only with bodyFieldsOnly=false, and the preference applies
// per request, so every page asks for it; the largest page NetSuite allows keeps the requests few.
const SEARCH_PREFERENCES: XmlElement = {
  'platformMsgs:searchPreferences': { 'platformMsgs:bodyFieldsOnly': false, 'platformMsgs:pageSize': SEARCH_PAGE_SIZE.max },
};

/** ItemSearchBasic over inventory items, elements in the XSD's sequence order. */
const INVENTORY_SEARCH: XmlElement = {
  'platformMsgs:searchRecord': {
    '@_xsi:type': 'platformCommon:ItemSearchBasic',
    'platformCommon:type': { '@_operator': 'anyOf', 'platformCore:searchValue': '_inventoryItem' },
  },
};

/**
 * NetSuite's search pages: `search` answers page 1 with a searchId, `searchMoreWithId` the pages
 * after it. A page NetSuite refused (status isSuccess="false", e.g. an expired search) fails the
 * poll with NetSuite's sentence rather than reading as an empty page. The SDK's page-number
 * strategy puts the page in the query string; SOAP wants it in the envelope, hence this one.
 */
const searchPages: PaginationStrategy = {
  kind: 'page-number',
  first: (request) => request,
  items: (response) => readPage(response).recordList?.record?.map((record) => toInventoryLevel(record)) ?? [],
  next: (page) => {
    const { searchId, pageIndex, totalPages } = readPage(page.response);
    const next = (readNumber(pageIndex) ?? 1) + 1;
    if (searchId === undefined || next > (readNumber(totalPages) ?? 1)) return undefined;
    return {
      request: soapRequest('searchMoreWithId', { 'platformMsgs:searchId': searchId, 'platformMsgs:pageIndex': next }, SEARCH_PREFERENCES),
      position: `search ${searchId} page ${next}`,
    };
  },
};

/**
 * Every inventory item with its quantities by location, one event per item, run only when its
 * available quantities changed. NetSuite's item search offers nothing the sandbox models to ask
 * for "changed since" (quantities move through transactions, not item edits), so there is no
 * cursor: each poll reads every item, and the dedupe id is the item with its available quantity
 * at each location, so an unchanged item is acknowledged and not run again. A quantity that
 * returns to a value it had before is a dedupe id seen before and does not run.
 */
export const inventoryChanges = defineTrigger({
  id: 'inventory-changes',
  name: 'Inventory changes',
  description:
    'Polls the inventory items (search, then searchMoreWithId) and runs once per item whose available quantity at some location changed; the event is the item as search-inventory returns it.',
  strategy: 'poll',
  output: inventoryLevel,
  poll: {
    cursor: 'opaque',
    request: () => soapRequest('search', INVENTORY_SEARCH, SEARCH_PREFERENCES),
    pagination: searchPages,
    // No cursor (see above): every poll reads every item, one page at a time.
    cursorFromLastPage: () => undefined,
    dedupeId: (item) => {
      const { internalId, locations } = item as InventoryItem;
      const levels = [...locations].sort((a, b) => a.locationId.localeCompare(b.locationId)).map((stock) => `${stock.locationId}=${stock.quantityAvailable}`);
      return `${internalId}@${levels.join(',')}`;
    },
    intervalMs: 300_000,
  },
});

function readPage(response: PageResponse): SearchResult {
  const text = String(response.body);
  const refused = netsuiteErrors({ status: response.status, headers: response.headers, body: response.body, text });
  if (refused !== undefined) throw refused;
  const operation = Object.values(responseBody(text))[0] as { searchResult?: SearchResult } | undefined;
  return operation?.searchResult ?? {};
}
