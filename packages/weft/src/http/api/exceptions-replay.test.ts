import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWeft } from '../../../test/support/weft-harness.ts';
import { eventually, type Answer } from './testing.ts';
import { startParcelWeft } from './testing-parcels.ts';

const PASSWORD = 'correct horse battery staple';

/** Runs of one order one at a time; a quantity that is not a number parks the run (`mapping`). */
const SHIPMENT_FLOW = `id: shipments
trigger:
  webhook:
    path: shipments
orderingKey: $number(trigger.body.orderId)
retry: { maxAttempts: 1 }
steps:
  - id: quantity
    map: $number(trigger.body.quantity)
`;

/** A run of a flow this server does not have (renamed, removed), parked before it started. */
const RETIRED_RUN = 'run_retired_1';

describe('management API: replaying an exception with an edited input', () => {
  let weft: Awaited<ReturnType<typeof startTestWeft>>;
  let token: string;
  let retiredException: string;
  before(async () => {
    weft = await startTestWeft(
      { 'shipments.yaml': SHIPMENT_FLOW },
      {
        overrides: { adminPassword: PASSWORD },
        prepare: async (store) => {
          const at = Date.now();
          const event = { id: 'evt_retired_1', source: 'webhook' as const, receivedAt: new Date(at).toISOString(), headers: {}, query: {}, body: { orderId: 7 } };
          const parked = await store.ingestParked(
            { id: event.id, runId: RETIRED_RUN, flowId: 'retired', dedupeKey: 'retired-1', orderingKey: '7', receivedAt: at, event },
            { reason: 'validation', message: 'refused', stepPath: null, input: event.body, lastResponse: undefined, now: at },
          );
          assert.ok(parked.status === 'accepted');
          retiredException = parked.exceptionId;
        },
      },
    );
    token = (await api('POST', '/api/v1/session', { password: PASSWORD })).body.token;
  });
  after(async () => weft.close());

  async function api(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
    const response = await weft.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: response.statusCode, headers: response.headers, body: response.body === '' ? undefined : JSON.parse(response.body), text: response.body };
  }

  /** Delivers a shipment and answers its run's open exception. */
  async function parkedShipment(body: Record<string, unknown>): Promise<{ exceptionId: string; runId: string }> {
    const delivered = await api('POST', '/hooks/shipments', body);
    assert.equal(delivered.status, 202, delivered.text);
    const runId = delivered.body.runId as string;
    const [exception] = await eventually(() => weft.store.listExceptions({ runId, status: 'open' }), (open) => open.length === 1, `the exception of ${runId}`);
    return { exceptionId: exception!.id, runId };
  }

  it('queues the run under the ordering key of the edited input; the first exception keeps the input as first received', async () => {
    const misfiled = { orderId: 1, quantity: 'two' };
    const { exceptionId, runId } = await parkedShipment(misfiled);
    assert.equal((await weft.store.getRun(runId))?.orderingKey, '1');

    const replayed = await api('POST', `/api/v1/exceptions/${exceptionId}/replay`, { input: { orderId: 2, quantity: 2 } });
    assert.equal(replayed.status, 200, replayed.text);
    const run = await eventually(() => api('GET', `/api/v1/runs/${runId}`), (answer) => answer.body.run.status === 'succeeded', 'the replayed run');
    assert.equal(run.body.run.orderingKey, '2', 'among order 2’s runs, not order 1’s');
    assert.deepEqual(run.body.event.body, { orderId: 2, quantity: 2 });
    assert.deepEqual((await weft.store.getException(exceptionId))?.input, misfiled);
  });

  it('refuses an edited input its flow’s orderingKey fails on, naming the expression and the error, and changes nothing', async () => {
    const { exceptionId, runId } = await parkedShipment({ orderId: 3, quantity: 'x' });
    const refused = await api('POST', `/api/v1/exceptions/${exceptionId}/replay`, { input: { orderId: 'three', quantity: 3 } });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.code, 'ordering-key-failed');
    assert.match(refused.body.detail, /orderingKey \(\$number\(trigger\.body\.orderId\)\) could not be evaluated on the edited input: .*Unable to cast value to a number.*: nothing was changed/);

    assert.equal((await weft.store.getException(exceptionId))?.status, 'open');
    const run = await weft.store.getRun(runId);
    assert.deepEqual([run?.status, run?.orderingKey, run?.event.body], ['exception', '3', { orderId: 3, quantity: 'x' }]);
    const audit = await api('GET', '/api/v1/audit?action=exception.replay');
    assert.ok(!audit.body.items.some((entry: { target: string }) => entry.target === exceptionId), 'a refused replay is not audited as done');
  });

  it('refuses an edited replay of a flow this server has not loaded (its key cannot be computed), and still replays it as it was', async () => {
    const refused = await api('POST', `/api/v1/exceptions/${retiredException}/replay`, { input: { orderId: 8 } });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.code, 'flow-not-loaded');
    assert.match(refused.body.detail, /flow 'retired' is not among this server's flows, so the ordering key of the edited input cannot be computed: nothing was changed/);
    assert.equal((await weft.store.getException(retiredException))?.status, 'open');
    assert.deepEqual((await weft.store.getRun(RETIRED_RUN))?.event.body, { orderId: 7 });

    const plain = await api('POST', `/api/v1/exceptions/${retiredException}/replay`, {});
    assert.equal(plain.status, 200, plain.text);
    assert.equal((await weft.store.getRun(RETIRED_RUN))?.orderingKey, '7');
  });
});

describe('management API: replaying an exception as it is', () => {
  let parcels: Awaited<ReturnType<typeof startParcelWeft>>;
  before(async () => {
    parcels = await startParcelWeft();
  });
  after(async () => parcels.close());

  it('queues a run refused at ingest for its key, once the flow is fixed, under the key the flow reads now: behind the earlier open run of that key', async () => {
    const earlier = await parcels.delivered({ id: 'P-1', parcel: 1, hold: true }, 'waiting');
    const { exceptionId, runId } = await parcels.parkedAtIngest(1, { id: 'P-1', parcel: 1 }, null);

    const replayed = await parcels.api('POST', `/api/v1/exceptions/${exceptionId}/replay`);
    assert.equal(replayed.status, 200, replayed.text);
    assert.equal((await parcels.weft.store.getRun(runId))?.orderingKey, '1');
    // A parcel of another record, delivered after the replay, runs to its end meanwhile.
    await parcels.delivered({ id: 'P-2', parcel: 2 }, 'succeeded');
    assert.deepEqual(
      [(await parcels.weft.store.getRun(runId))?.status, (await parcels.weft.store.getRun(earlier))?.status],
      ['queued', 'waiting'],
      'not claimed while the earlier run of parcel 1 is open',
    );
  });

  it('refuses a run whose input the flow’s orderingKey still fails on, naming the expression and the error, and changes nothing', async () => {
    const { exceptionId, runId } = await parcels.parkedAtIngest(9, { id: 'P-9', parcel: 'nine' }, null);
    const refused = await parcels.api('POST', `/api/v1/exceptions/${exceptionId}/replay`);
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.code, 'ordering-key-failed');
    assert.match(refused.body.detail, /orderingKey \(\$number\(trigger\.body\.parcel\)\) could not be evaluated on the run's input: .*Unable to cast value to a number.*: nothing was changed/);
    assert.equal((await parcels.weft.store.getException(exceptionId))?.status, 'open');
    const run = await parcels.weft.store.getRun(runId);
    assert.deepEqual([run?.status, run?.orderingKey], ['exception', null]);
  });
});
