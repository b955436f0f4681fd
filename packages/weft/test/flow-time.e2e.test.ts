/**
 * `$now()` in a flow reads the run's recorded time — the event's receive time, or the end of the
 * last delay — so a step evaluated again renders the same request. In-process Weft, real SQLite,
 * real HTTP to a sink that keeps what reached it.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';
import { listenOnLoopback } from './support/loopback.ts';

/** 201 for a line, 422 for a sku starting with BAD, 503 the first time for one starting with FLAKY; keeps every body it was sent. */
async function startLineSink(): Promise<{ url: string; bodies: Array<{ sku: string; syncedAt: string }>; close(): Promise<void> }> {
  const bodies: Array<{ sku: string; syncedAt: string }> = [];
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
      const body = JSON.parse(text) as { sku: string; syncedAt: string };
      bodies.push(body);
      const isFirstFlaky = body.sku.startsWith('FLAKY') && !seen.has(body.sku);
      seen.add(body.sku);
      const [status, answer] = body.sku.startsWith('BAD')
        ? [422, { error: `SKU '${body.sku}' does not exist` }]
        : isFirstFlaky
          ? [503, { error: 'try again' }]
          : [201, { id: `line-${body.sku}` }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  return { ...(await listenOnLoopback(server)), bodies };
}

const STAMPED_LINES = `id: stamped
trigger:
  webhook: { path: stamped }
steps:
  - id: perLine
    each: trigger.body.lines
    steps:
      - id: create
        call:
          url: \${env:SINK_URL}/lines
          body: '{ "sku": item.sku, "syncedAt": $now() }'
`;

const FOLLOW_UP = `id: follow-up
trigger:
  webhook: { path: follow-up }
steps:
  - id: stampedAtReceipt
    map: '$now()'
  - id: wait
    delay: 300ms
  - id: stampedAfterWait
    map: '{ "now": $now(), "millis": $millis() }'
`;

/** Each line waits; the steps after the lines read that time, in the pass that ran them and in a retry's. */
const ITEM_DELAYS = `id: item-delays
trigger:
  webhook: { path: item-delays }
steps:
  - id: perLine
    each: trigger.body.lines
    steps:
      - id: stampedBefore
        map: '$now()'
      - id: settle
        delay: 200ms
  - id: afterLines
    map: '$now()'
  - id: report
    call:
      url: \${env:SINK_URL}/lines
      body: '{ "sku": "FLAKY-" & trigger.body.id, "syncedAt": $now() }'
    retry: { initialDelay: 100ms }
`;

describe('the time a flow reads', () => {
  let sink: Awaited<ReturnType<typeof startLineSink>>;
  let weft: Awaited<ReturnType<typeof startTestWeft>>;
  before(async () => {
    sink = await startLineSink();
    process.env.SINK_URL = sink.url;
    weft = await startTestWeft({ 'stamped.yaml': STAMPED_LINES, 'follow-up.yaml': FOLLOW_UP, 'item-delays.yaml': ITEM_DELAYS });
  });
  after(async () => {
    await weft?.close();
    await sink.close();
  });

  const deliver = async (path: string, body: unknown) => {
    const response = await request(`${weft.url}/hooks/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await response.body.dump();
    assert.equal(response.statusCode, 202);
  };

  it('an edited replay of a request stamped with $now() re-sends nothing already done, and is no conflict', { timeout: 30_000 }, async () => {
    await deliver('stamped', { lines: [{ sku: 'CAP-BLACK' }, { sku: 'BAD-9' }] });
    await settledRuns(weft, 'stamped', 1);
    const [exception] = await weft.store.listExceptions({ flowId: 'stamped', status: 'open' });
    assert.equal(exception?.reason, 'validation');
    const receivedAt = (await weft.store.getRun(exception!.runId))!.event.receivedAt;

    await sleep(50); // the clock moves on: a request rendered with it would differ from the one recorded
    await weft.store.replayException(exception!.id, { now: Date.now(), input: { lines: [{ sku: 'CAP-BLACK' }, { sku: 'CAP-BLUE' }] } });
    weft.engine.kick();
    await settledRuns(weft, 'stamped', 1);

    const run = (await weft.store.getRun(exception!.runId))!;
    assert.equal(run.status, 'succeeded', run.lastError ?? '');
    assert.deepEqual(await weft.store.listExceptions({ flowId: 'stamped', status: 'open' }), [], 'no conflict');
    assert.deepEqual(
      sink.bodies.map((body) => body.sku),
      ['CAP-BLACK', 'BAD-9', 'CAP-BLUE'],
      'CAP-BLACK was sent once, before the replay',
    );
    assert.ok(sink.bodies.every((body) => body.syncedAt === receivedAt), `every request carries the receive time ${receivedAt}`);
  });

  it('after a delay, $now() reads when the delay ended', { timeout: 30_000 }, async () => {
    await deliver('follow-up', {});
    await settledRuns(weft, 'follow-up', 1);
    const [summary] = await weft.store.listRuns({ flowId: 'follow-up' });
    const run = (await weft.store.getRun(summary!.id))!;
    assert.equal(run.status, 'succeeded', run.lastError ?? '');
    const output = (path: string) => run.checkpoints.find((checkpoint) => checkpoint.path === path)?.output;
    assert.equal(output('stampedAtReceipt'), run.event.receivedAt);
    const until = (output('wait') as { until: string }).until;
    assert.deepEqual(output('stampedAfterWait'), { now: until, millis: Date.parse(until) });
  });

  it("inside and after an each, $now() reads when the last of its items' delays ended, also once the each is replayed from its checkpoint", { timeout: 30_000 }, async () => {
    await deliver('item-delays', { id: 'R1', lines: [{ sku: 'A' }, { sku: 'B' }] });
    await settledRuns(weft, 'item-delays', 1);
    const [summary] = await weft.store.listRuns({ flowId: 'item-delays' });
    const run = (await weft.store.getRun(summary!.id))!;
    assert.equal(run.status, 'succeeded', run.lastError ?? '');
    const output = (path: string) => run.checkpoints.find((checkpoint) => checkpoint.path === path)?.output;
    const untilOf = (path: string) => (output(path) as { until: string }).until;
    assert.equal(output('perLine[0].stampedBefore'), run.event.receivedAt);
    assert.equal(output('perLine[1].stampedBefore'), untilOf('perLine[0].settle'), 'the second line starts after the first one waited');
    assert.equal(output('afterLines'), untilOf('perLine[1].settle'));
    // The retry of report resumed the run after perLine was done: it replayed perLine's checkpoint alone.
    const reports = sink.bodies.filter((body) => body.sku === 'FLAKY-R1');
    assert.deepEqual(reports.map((body) => body.syncedAt), [untilOf('perLine[1].settle'), untilOf('perLine[1].settle')]);
  });
});
