/**
 * A disabled flow makes no runs and runs none, whoever switched it: this process's API, or
 * another process sharing the store. In-process Weft, real SQLite, real HTTP.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
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
