import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pages } from '@weft/sdk';
import { runAction } from '@weft/sdk/testing';
import { createCustomer } from './create-customer.action.ts';
import { events } from './events.trigger.ts';
import { startStripeSandbox, type StripeSandbox } from './stripe.sandbox.ts';
import { sandboxClient } from './stripe.test-client.ts';

const poll = events.poll!;
const cursorAfter = poll.cursorAfter!;

interface EventRecord {
  id: string;
  created: number;
}

describe('the events poll trigger against the Stripe sandbox', () => {
  const start = Date.UTC(2026, 0, 1);
  let now = start;
  let sandbox: StripeSandbox;

  before(async () => {
    sandbox = await startStripeSandbox({ now: () => now });
    const http = sandboxClient(sandbox);
    // Seven events over four seconds, some sharing one, so the newest second spans a page boundary.
    for (const second of [0, 0, 1, 3, 3, 3, 2]) {
      now = start + second * 1000;
      await runAction(createCustomer, { name: `Customer at ${second}` }, { http });
    }
  });
  after(() => sandbox.close());

  /** Every page of a poll from `since`, three events a page (Stripe lists newest first). */
  async function pollPages(since: string | undefined): Promise<EventRecord[][]> {
    const first = poll.request(since);
    const http = sandboxClient(sandbox);
    const read: EventRecord[][] = [];
    for await (const page of pages(poll.pagination!, { ...first, query: { ...first.query, limit: 3 } }, (request) => http.request(request))) {
      read.push(page.items as EventRecord[]);
    }
    return read;
  }

  it('folds the cursor record by record, page by page, to the newest created second, as nextCursor did from the whole poll', async () => {
    const read = await pollPages(undefined);
    assert.equal(read.length, 3, 'three pages');
    let cursor: string | undefined;
    for (const page of read) for (const event of page) cursor = cursorAfter(cursor, event);
    // What the trigger's nextCursor computed from every record of the poll at once.
    const newestOfThePoll = String(Math.max(...read.flat().map((event) => event.created)));
    assert.equal(cursor, newestOfThePoll);
    assert.equal(cursor, String((start + 3000) / 1000));
  });

  it('asks again from the cursor second, inclusive, and keeps the cursor when that is all there is', async () => {
    const cursor = String((start + 3000) / 1000);
    const read = (await pollPages(cursor)).flat();
    assert.equal(read.length, 3, 'the three events of the newest second, read again and deduplicated by id');
    assert.equal(read.reduce<string | undefined>((soFar, event) => cursorAfter(soFar, event), undefined), cursor);
    assert.equal(cursorAfter(cursor, { id: 'evt_older', created: Number(cursor) - 1 }), cursor, 'an older event does not move it back');
  });
});
