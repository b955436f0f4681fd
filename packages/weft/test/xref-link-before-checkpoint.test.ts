/**
 * A call step with `xref` links what it created in a commit of its own, before the step's
 * checkpoint commits. Here the process "dies" in between: every write of the run after the link
 * is refused (as if the store had gone with the process), and the run is taken up again with its
 * effect still pending. The retry must report what the first attempt did — a customer created,
 * with its record — without creating a second one: the flow welcomes new customers only.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { StoreUnavailableError, type Store } from '../src/store/store.ts';
import { listenOnLoopback } from './support/loopback.ts';
import { startToyErpEngine } from './support/toy-erp-engine.ts';

/** An ERP with no idempotency support: every POST creates a customer. */

const FLOW = `id: new-customers
trigger:
  manual: {}
steps:
  - id: customer
    call:
      connection: erp
      action: create-customer
      input: '{ "email": trigger.body.email }'
      xref: { from: { system: shop, id: $string(trigger.body.id) } }
  - id: isNew
    when: steps.customer.created
  - id: welcome
    map: '"Welcome, customer " & steps.customer.record.customerId'
`;

describe('a crash after a call step linked what it created, before its checkpoint', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const close of cleanup.reverse()) await close();
  });

  it('the retry reports the customer as created, with its record, and creates none again', { timeout: 30_000 }, async () => {
    let creates = 0;
    const erp = await listenOnLoopback(
      createServer((req, res) => {
        req.resume().on('end', () => {
          creates += 1;
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ customerId: String(3344 + creates) }));
        });
      }),
    );
    cleanup.push(() => erp.close());

    // The claim (fence) under which the link committed: the process "dies" right after, so none
    // of that claim's later writes commit — not the step's checkpoint, not the run's completion.
    let deadFence: number | undefined;
    const dead = () => Promise.reject(new StoreUnavailableError('the store could not commit: the process died'));
    const between = (real: Store): Store => ({
      ...real,
      xref: {
        ...real.xref,
        link: async (...args) => {
          await real.xref.link(...args);
          deadFence ??= -1;
        },
      },
      checkpoint: (runId, fence, checkpoint, options) => {
        if (deadFence === -1) deadFence = fence;
        return fence === deadFence ? dead() : real.checkpoint(runId, fence, checkpoint, options);
      },
      completeRun: (runId, fence, now) => (fence === deadFence ? dead() : real.completeRun(runId, fence, now)),
    });

    const weft = await startToyErpEngine({ flows: { 'new-customers.yaml': FLOW }, erpUrl: erp.url, concurrency: 1, between });
    cleanup.push(() => weft.close());
    const { real } = weft;

    const accepted = await weft.start('new-customers', { id: 7001, email: 'jane@example.com' });
    assert.equal(accepted.status, 'accepted');
    const deadline = Date.now() + 20_000;
    let run = await real.getRun(accepted.runId);
    while (run?.status !== 'succeeded' && run?.status !== 'exception' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      run = await real.getRun(accepted.runId);
    }
    assert.equal(run?.status, 'succeeded', JSON.stringify(run?.checkpoints));
    assert.notEqual(deadFence, undefined, 'the first claim died after the link');
    assert.ok(deadFence! > 0 && run!.checkpoints.length > 0, 'a later claim finished the run');

    const outputs = Object.fromEntries(run!.checkpoints.map((checkpoint) => [checkpoint.path, checkpoint.output]));
    assert.equal(creates, 1, 'the retry created no second customer');
    assert.deepEqual(outputs.customer, { id: '3345', created: true, record: { customerId: '3345' } });
    assert.equal(outputs.welcome, 'Welcome, customer 3345', 'the new customer was welcomed');
    assert.deepEqual((await real.xref.find('customer', { system: 'shop', id: '7001' }))?.links.map((link) => `${link.system}:${link.id}`).sort(), ['erp:3345', 'shop:7001']);
  });
});
