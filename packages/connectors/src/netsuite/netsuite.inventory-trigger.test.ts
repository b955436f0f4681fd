import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pages, type Infer } from '@weft/sdk';
import type { TestHttpClient } from '@weft/sdk/testing';
import { inventoryChanges } from './inventory-changes.trigger.ts';
import { netsuite } from './netsuite.connector.ts';
import { SEARCH_PAGE_SIZE, SEED_ITEMS } from './netsuite.fixtures.ts';
import { startNetsuiteSandbox, type NetsuiteSandbox } from './netsuite.sandbox.ts';
import { tbaClient } from './netsuite.test-client.ts';
import type { inventoryLevel } from './netsuite.schemas.ts';

type InventoryItem = Infer<typeof inventoryLevel>;

describe('netsuite inventory-changes poll trigger against the NetSuite sandbox', () => {
  let sandbox: NetsuiteSandbox;
  let http: TestHttpClient;
  const { poll } = inventoryChanges;

  /** One poll as the engine's poller makes it: the first request, then every page. */
  async function pollOnce(): Promise<{ items: InventoryItem[]; requests: number }> {
    const items: InventoryItem[] = [];
    let requests = 0;
    for await (const page of pages(poll!.pagination!, poll!.request(undefined), (request) => http.request(request))) {
      requests += 1;
      items.push(...(page.items as InventoryItem[]));
    }
    return { items, requests };
  }

  function addBulkItems(count: number): void {
    for (let n = 0; n < count; n++) {
      sandbox.state().items.insert({ id: String(90_000 + n), itemId: `BULK-${n}`, displayName: `Bulk item ${n}`, quantities: [{ locationId: '1', onHand: n, committed: 0 }] });
    }
  }

  before(async () => {
    sandbox = await startNetsuiteSandbox();
    http = tbaClient({ baseUrl: sandbox.url });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('is registered as a poll trigger of the netsuite connector', () => {
    assert.equal(netsuite.triggers.find((trigger) => trigger.id === 'inventory-changes'), inventoryChanges);
    assert.equal(inventoryChanges.strategy, 'poll');
  });

  it('reads every inventory item with its available and on-hand quantities by location', async () => {
    const { items, requests } = await pollOnce();
    assert.equal(requests, 1);
    assert.deepEqual(items.map((item) => item.itemId), SEED_ITEMS.map((item) => item.itemId));
    const second = items.find((item) => item.internalId === SEED_ITEMS[1]!.internalId)!;
    assert.deepEqual(second.locations, [
      { locationId: '1', location: 'Main Warehouse', quantityOnHand: 20, quantityAvailable: 20 },
      { locationId: '2', location: 'East Coast DC', quantityOnHand: 1, quantityAvailable: 1 },
    ]);
  });

  it('follows searchMoreWithId past the largest page NetSuite serves', async () => {
    addBulkItems(SEARCH_PAGE_SIZE.max);
    const { items, requests } = await pollOnce();
    assert.equal(requests, 2);
    assert.equal(items.length, SEED_ITEMS.length + SEARCH_PAGE_SIZE.max);
    assert.equal(new Set(items.map((item) => item.internalId)).size, items.length, 'no item is read twice');
    assert.match(sandbox.requests().at(-1)!.body as string, /searchMoreWithId/);
  });

  it('gives an unchanged item the same dedupe id and an item whose available quantity moved a new one', async () => {
    const dedupeIds = async () => new Map((await pollOnce()).items.map((item) => [item.internalId, poll!.dedupeId(item)]));
    const before = await dedupeIds();
    assert.deepEqual(await dedupeIds(), before, 'a poll of unchanged stock runs nothing');

    const changed = SEED_ITEMS[2]!.internalId;
    const item = sandbox.state().items.get(changed)!;
    sandbox.state().items.update(changed, { quantities: item.quantities.map((stock) => (stock.locationId === '2' ? { ...stock, committed: 1 } : stock)) });
    const after = await dedupeIds();
    assert.deepEqual([...after].filter(([id, dedupeId]) => before.get(id) !== dedupeId).map(([id]) => id), [changed]);
  });

  it('fails the poll with NetSuite’s sentence when a page is refused, rather than reading it as empty', async () => {
    addBulkItems(SEARCH_PAGE_SIZE.max);
    let fetched = 0;
    // NetSuite forgets the search between page 1 and page 2, as it does after its search times out.
    const forgetful = pages(poll!.pagination!, poll!.request(undefined), async (request) => {
      const response = await http.request(request);
      if (++fetched === 1) sandbox.state().searches.clear();
      return response;
    });
    await assert.rejects(async () => {
      for await (const page of forgetful) assert.ok(page.items.length > 0);
    }, /NetSuite: The search is no longer available\. Please run the search again\. \(EXPIRED_SEARCH_CRITERIA\)/);
  });
});
