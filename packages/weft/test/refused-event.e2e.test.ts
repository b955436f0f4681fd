/**
 * An event refused at ingress (a vendor event that breaks its trigger's declared shape) is
 * committed and parked at once as a validation exception: never run, and replayable with an
 * edited input. In-process Weft, real SQLite.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWeft } from './support/weft-harness.ts';

const ORDERS = `id: orders
trigger:
  webhook: { path: orders }
orderingKey: trigger.body.customer.id
steps:
  - id: total
    map: 'trigger.body.total * 2'
`;

describe('an event refused at ingress', () => {
  let weft: Awaited<ReturnType<typeof startTestWeft>>;
  before(async () => {
    weft = await startTestWeft({ 'orders.yaml': ORDERS });
  });
  after(() => weft?.close());

  it('is parked as a validation exception without running, answered as a duplicate when delivered again, and runs once replayed with a fixed input', { timeout: 30_000 }, async () => {
    const flow = weft.engine.flows().get('orders')!;
    const refused = { source: 'webhook' as const, headers: {}, query: {}, body: { total: 'seven' }, dedupeKey: 'vendor:evt_1', refused: 'The order does not match its trigger (/total: Expected number).' };
    const outcome = await weft.engine.accept(flow, refused);
    assert.equal(outcome.status, 'accepted');
    const run = await weft.store.getRun(outcome.runId);
    assert.deepEqual([run?.status, run?.checkpoints], ['exception', []], 'parked, no step ran');
    const [exception] = await weft.store.listExceptions({ flowId: 'orders' });
    assert.deepEqual([exception?.reason, exception?.stepPath, exception?.message], ['validation', null, refused.refused]);
    assert.equal((await weft.engine.accept(flow, refused)).status, 'duplicate');

    await weft.store.replayException(exception!.id, { now: Date.now(), input: { total: 7, customer: { id: 'c1' } } });
    weft.engine.kick();
    for (const deadline = Date.now() + 10_000; (await weft.store.getRun(outcome.runId))?.status !== 'succeeded'; ) {
      if (Date.now() > deadline) throw new Error('the replayed run did not succeed');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.deepEqual((await weft.store.getRun(outcome.runId))?.checkpoints.map((checkpoint) => checkpoint.output), [14]);
  });
});
