/**
 * A disabled flow makes no runs and runs none, whoever switched it: this process's API, or
 * another process sharing the store; and switching one flow leaves every other flow's triggers
 * running. In-process Weft, real SQLite, real HTTP.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cursor, defineAction, defineConnector, defineTrigger, schema } from '@weft/sdk';
import { startTestWeft } from './support/weft-harness.ts';

const TICKS = `id: ticks
trigger:
  schedule: { cron: "* * * * * *" }
steps:
  - id: stamp
    map: 'trigger.body'
`;

const HOOK = `id: hook
trigger:
  webhook: { path: hook }
steps:
  - id: echo
    map: 'trigger.body'
`;

describe('switching a flow off', () => {
  let weft: Awaited<ReturnType<typeof startTestWeft>>;
  before(async () => {
    weft = await startTestWeft({ 'ticks.yaml': TICKS, 'hook.yaml': HOOK });
  });
  after(() => weft?.close());

  const ticks = async () => (await weft.store.countRuns('ticks')).succeeded;
  let deliveries = 0;
  const deliver = async () => {
    const body = JSON.stringify({ n: ++deliveries });
    const response = await request(`${weft.url}/hooks/hook`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await response.body.dump();
    return response.statusCode;
  };
  const eventually = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

  it('stops a schedule: no ticks while it is off, ticks again once it is on', { timeout: 30_000 }, async () => {
    await eventually(async () => (await ticks()) >= 1, 'a first tick');
    await weft.store.flowStates.setEnabled('ticks', false, Date.now());
    // Within the switch refresh (2 s) and one tick for any in flight.
    await sleep(3_500);
    const whileOff = await ticks();
    await sleep(2_500);
    assert.equal(await ticks(), whileOff, 'no tick while the flow is off');
    await weft.store.flowStates.setEnabled('ticks', true, Date.now());
    await eventually(async () => (await ticks()) > whileOff, 'a tick after switching it on again');
  });

  it("follows a switch another process wrote to the store: the webhook answers 503, then 202 again", { timeout: 30_000 }, async () => {
    assert.equal(await deliver(), 202);
    await weft.store.flowStates.setEnabled('hook', false, Date.now());
    await eventually(async () => (await deliver()) === 503, 'the webhook to refuse deliveries');
    assert.equal(weft.engine.flows().has('hook'), false, 'its runs are not claimed');
    await weft.store.flowStates.setEnabled('hook', true, Date.now());
    await eventually(async () => (await deliver()) === 202, 'the webhook to accept deliveries again');
  });
});

/** Records in two pages; the second is answered when the test says (`releaseSecondPage`). */
async function startTwoPageApi() {
  let releaseSecondPage: () => void = () => {};
  const secondPageHeld = new Promise<void>((resolve) => (releaseSecondPage = resolve));
  let secondPageAsked: () => void = () => {};
  const asked = new Promise<void>((resolve) => (secondPageAsked = resolve));
  let abandoned = 0;
  const answer = (response: ServerResponse, page: number) =>
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: [{ id: `r${page}`, updatedAt: `2026-01-01T00:00:0${page}Z` }], next: page === 0 ? '1' : null }));
  const server = createServer((request, response) => {
    const page = Number(new URL(request.url ?? '/', 'http://records').searchParams.get('after') ?? 0);
    if (page === 0) return answer(response, page);
    // A poll stopped while it waits hangs up: the page is abandoned, the poll's cursor does not move.
    response.on('close', () => void (response.writableEnded || abandoned++));
    secondPageAsked();
    void secondPageHeld.then(() => answer(response, page));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, asked, releaseSecondPage, abandoned: () => abandoned };
}

const twoPages = defineConnector({
  id: 'two-pages',
  name: 'Two pages of records',
  baseUrl: 'https://records.invalid',
  auth: [],
  actions: [defineAction({ id: 'noop', name: 'No-op', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'GET', path: '/records' }) })],
  triggers: [
    defineTrigger({
      id: 'records',
      name: 'Records',
      strategy: 'poll',
      output: schema.Unknown(),
      poll: {
        cursor: 'timestamp',
        request: (since) => ({ method: 'GET', path: '/records', query: { updatedSince: since } }),
        pagination: cursor({ cursorParam: 'after', items: (body) => (body as { records: unknown[] }).records, nextCursor: (body) => (body as { next: string | null }).next }),
        nextCursor: (items) => (items.at(-1) as { updatedAt: string } | undefined)?.updatedAt,
        dedupeId: (item) => (item as { id: string }).id,
      },
    }),
  ],
});

const POLLED = `id: polled
trigger:
  poll: { connection: records, trigger: records, every: 1h }
steps:
  - id: echo
    map: trigger.body.id
`;

describe("switching one flow leaves the others' triggers running", () => {
  it("a poll of another flow in progress is not ended, and moves its cursor once it is through", { timeout: 30_000 }, async () => {
    const api = await startTwoPageApi();
    const weft = await startTestWeft(
      { 'polled.yaml': POLLED, 'hook.yaml': HOOK, 'ticks.yaml': TICKS },
      {
        connectors: [twoPages],
        prepare: (store) => store.connections.put({ id: 'records', connectorId: 'two-pages', config: { baseUrl: api.url }, now: Date.now() }),
      },
    );
    try {
      await api.asked;
      // Another process switches two other flows off; this one reads the switch within 2 s.
      await weft.store.flowStates.setEnabled('hook', false, Date.now());
      await weft.store.flowStates.setEnabled('ticks', false, Date.now());
      for (const deadline = Date.now() + 10_000; weft.engine.flows().has('hook') || weft.engine.flows().has('ticks'); ) {
        if (Date.now() > deadline) throw new Error('the switches were not read');
        await sleep(50);
      }
      await sleep(200);
      assert.equal(api.abandoned(), 0, "the polled flow's page was not abandoned");
      api.releaseSecondPage();
      for (const deadline = Date.now() + 10_000; (await weft.store.pollCursor('polled:records:records')) === undefined; ) {
        if (Date.now() > deadline) throw new Error('the poll never got through');
        await sleep(50);
      }
      assert.equal(await weft.store.pollCursor('polled:records:records'), '2026-01-01T00:00:01Z');
      assert.equal(api.abandoned(), 0);
    } finally {
      await weft.close();
      api.server.closeAllConnections();
      api.server.close();
    }
  });
});
