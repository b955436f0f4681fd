import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_ANSWER_RECORDED, NO_ANSWER_YET } from '../../store/store.ts';
import { startApiWeft, type ApiWeft } from './testing.ts';

const LEASE_MS = 30_000;

describe('management API: a call without a recorded answer', () => {
  let weft: ApiWeft;
  let viewer: string;
  before(async () => {
    weft = await startApiWeft();
    viewer = await weft.tokenFor('viewer');
  });
  after(async () => weft.stop());

  it('reads as in flight while its run holds the claim, then as interrupted, in the calls listing and the run timeline', async () => {
    // A run of a flow this Weft does not load, claimed here as another worker would.
    const now = Date.now();
    const event = { id: 'evt_elsewhere', source: 'webhook' as const, receivedAt: new Date(now).toISOString(), headers: {}, query: {}, body: { order: 1 } };
    await weft.store.ingest({ id: event.id, runId: 'run_elsewhere', flowId: 'elsewhere', dedupeKey: 'elsewhere-1', orderingKey: null, receivedAt: now, event });
    const claim = (at: number) => weft.store.claimRuns({ workerId: 'other', now: at, leaseMs: LEASE_MS, limit: 1, flowConcurrency: {}, flowIds: ['elsewhere'] });
    await claim(now);
    await weft.store.startCall({
      at: now + 1,
      flowId: 'elsewhere',
      runId: 'run_elsewhere',
      stepPath: 'create',
      attempt: 1,
      method: 'POST',
      url: 'https://erp.example.com/orders',
      requestHeaders: { 'idempotency-key': 'weft-elsewhere' },
      requestBody: '{"order":1}',
    });
    const listed = async () => (await weft.api('GET', '/api/v1/calls?run=run_elsewhere', { token: viewer })).body.items;
    assert.deepEqual(
      (await listed()).map((call: { status: unknown; error: unknown; unanswered: unknown }) => [call.status, call.error, call.unanswered]),
      [[null, NO_ANSWER_YET, 'in-flight']],
    );

    // That worker is gone: its lease ran out and the run was taken over.
    await claim(now + LEASE_MS);
    const [interrupted] = await listed();
    assert.deepEqual([interrupted.status, interrupted.error, interrupted.unanswered, interrupted.requestBody], [null, NO_ANSWER_RECORDED, 'interrupted', '{"order":1}']);
    const run = await weft.api('GET', '/api/v1/runs/run_elsewhere', { token: viewer });
    const entry = run.body.timeline.find((item: { kind: string }) => item.kind === 'call');
    assert.equal(entry.detail, `POST ${NO_ANSWER_RECORDED}`);
    assert.equal(entry.call.unanswered, 'interrupted');
    // A call that was answered says so with null.
    await weft.deliver(1);
    await weft.settled('orders', 1);
    const [answered] = (await weft.api('GET', '/api/v1/calls?status=2xx', { token: viewer })).body.items;
    assert.equal(answered.unanswered, null);
  });
});
