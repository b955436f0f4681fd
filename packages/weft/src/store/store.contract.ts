import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HAND_OVER_DEDUPE_KEY_PREFIX, JobLeaseLostError, LeaseLostError, NO_ANSWER_RECORDED, NO_ANSWER_YET, NotReplayableError, XREF_FIND_MANY_CHUNK } from './store.ts';
import type { BulkJob, CallAnswer, CallRequestRecord, ClaimedRun, ClaimRequest, NewCallRecord, NewEvent, NewException, ReconciliationReport, Store, XrefGroup } from './store.ts';
import { XrefConflictError } from '../xref/xref-plan.ts';
import { keyText } from '../core/ids.ts';

export interface StoreHarness {
  store: Store;
  /** Opens another store on the same storage (the caller has closed the first one). */
  reopen: () => Promise<Store>;
  /** Closes every store the harness opened and removes the storage. */
  cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const LEASE_MS = 30_000;

/** The store port's behaviour: every Store implementation runs this suite unchanged. */
export function runStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    let eventCount = 0;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    function makeEvent(fields: { flowId?: string; dedupeKey?: string; orderingKey?: string | null; receivedAt?: number; body?: unknown } = {}): NewEvent {
      eventCount += 1;
      const receivedAt = fields.receivedAt ?? T0;
      return {
        id: `evt_${eventCount}`,
        runId: `run_${eventCount}`,
        flowId: fields.flowId ?? 'orders',
        dedupeKey: fields.dedupeKey ?? `delivery-${eventCount}`,
        orderingKey: fields.orderingKey ?? null,
        receivedAt,
        event: {
          id: `evt_${eventCount}`,
          source: 'webhook',
          receivedAt: new Date(receivedAt).toISOString(),
          headers: { 'content-type': 'application/json' },
          query: {},
          body: fields.body ?? { order: eventCount },
        },
      };
    }

    async function ingestRun(fields: Parameters<typeof makeEvent>[0] = {}): Promise<NewEvent> {
      const event = makeEvent(fields);
      assert.equal((await store.ingest(event)).status, 'accepted');
      return event;
    }

    function claim(request: Partial<ClaimRequest> = {}): Promise<ClaimedRun[]> {
      return store.claimRuns({
        workerId: 'worker-a',
        now: T0,
        leaseMs: LEASE_MS,
        limit: 10,
        flowConcurrency: {},
        flowIds: ['orders', 'invoices'],
        ...request,
      });
    }

    async function claimOne(runId: string, request: Partial<ClaimRequest> = {}): Promise<ClaimedRun> {
      const claimed = await claim(request);
      const run = claimed.find((candidate) => candidate.id === runId);
      assert.ok(run, `run ${runId} was not claimed`);
      return run;
    }

    async function claimedIds(request: Partial<ClaimRequest> = {}): Promise<string[]> {
      return (await claim(request)).map((run) => run.id);
    }

    function exceptionFor(now: number, fields: Partial<NewException> = {}): NewException {
      return { reason: 'validation', message: 'The order has no customer email.', stepPath: 'map', input: { order: 1 }, lastResponse: undefined, now, ...fields };
    }

    describe('ingest', () => {
      it('accepts a new event with a queued run due at receipt', async () => {
        const event = makeEvent({ orderingKey: 'order-1' });
        assert.deepEqual(await store.ingest(event), { status: 'accepted', eventId: event.id, runId: event.runId });
        const run = await store.getRun(event.runId);
        assert.ok(run);
        assert.equal(run.status, 'queued');
        assert.equal(run.flowId, 'orders');
        assert.equal(run.eventId, event.id);
        assert.equal(run.orderingKey, 'order-1');
        assert.equal(run.dueAt, event.receivedAt);
        assert.equal(run.createdAt, event.receivedAt);
        assert.equal(run.fence, 0);
        assert.equal(run.finishedAt, null);
        assert.deepEqual(run.event, event.event);
        assert.deepEqual(run.checkpoints, []);
      });

      it('answers a repeated dedupe key in the same flow with the original event and run', async () => {
        const original = await ingestRun({ dedupeKey: 'shopify-42' });
        const repeat = makeEvent({ dedupeKey: 'shopify-42', receivedAt: T0 + 1000 });
        assert.deepEqual(await store.ingest(repeat), { status: 'duplicate', eventId: original.id, runId: original.runId });
        assert.equal(await store.getRun(repeat.runId), undefined);
        assert.equal((await store.countRuns()).queued, 1);
      });

      it('accepts the same dedupe key in another flow', async () => {
        await ingestRun({ dedupeKey: 'shopify-42' });
        const other = makeEvent({ dedupeKey: 'shopify-42', flowId: 'invoices' });
        assert.deepEqual(await store.ingest(other), { status: 'accepted', eventId: other.id, runId: other.runId });
      });

      it('leaves nothing behind when an ingest fails, and fails it alone', async () => {
        const original = await ingestRun();
        const clashing = { ...makeEvent({ dedupeKey: 'clash' }), runId: original.runId };
        const bystander = makeEvent();
        const [failed, accepted] = await Promise.allSettled([store.ingest(clashing), store.ingest(bystander)]);
        assert.equal(failed.status, 'rejected');
        assert.deepEqual(accepted, { status: 'fulfilled', value: { status: 'accepted', eventId: bystander.id, runId: bystander.runId } });
        // Had the failed ingest's event stayed, this delivery would count as its duplicate.
        const retried = makeEvent({ dedupeKey: 'clash' });
        assert.equal((await store.ingest(retried)).status, 'accepted');
      });

      it('claims the new run in the same commit when asked and the claim rules allow it', async () => {
        const fresh = makeEvent({ orderingKey: 'customer-1' });
        const outcome = await store.ingest(fresh, { workerId: 'worker-a', leaseMs: LEASE_MS });
        assert.equal(outcome.status, 'accepted');
        assert.ok(outcome.status === 'accepted' && outcome.claimed);
        assert.equal(outcome.claimed.fence, 1);
        assert.equal(outcome.claimed.status, 'running');
        assert.deepEqual(outcome.claimed.event, fresh.event);
        assert.deepEqual(outcome.claimed.checkpoints, []);
        assert.deepEqual(await claimedIds(), [], 'a claimed run is not claimed again while its lease is live');
        assert.equal((await store.getRun(fresh.runId))?.status, 'running');
        // The earlier run with the same ordering key is still open: the next one waits its turn.
        const sameKey = await store.ingest(makeEvent({ orderingKey: 'customer-1' }), { workerId: 'worker-a', leaseMs: LEASE_MS });
        assert.ok(sameKey.status === 'accepted' && sameKey.claimed === undefined);
        // A flow at its concurrency cap does not take another.
        const capped = await store.ingest(makeEvent(), { workerId: 'worker-a', leaseMs: LEASE_MS, flowConcurrency: 1 });
        assert.ok(capped.status === 'accepted' && capped.claimed === undefined);
        await assert.rejects(
          store.checkpoint(fresh.runId, 0, { path: 'map', output: null, outcome: 'done' }, { now: T0 }),
          LeaseLostError,
          'the fast-path claim fences like any other',
        );
      });

      it('commits an event with its run parked as an open exception in one step: never claimable until replayed, and a repeat parks nothing', async () => {
        const event = makeEvent({ dedupeKey: 'vendor:evt_9', orderingKey: 'customer-9' });
        const refused = exceptionFor(T0 + 5, { stepPath: null, input: event.event.body, message: 'The order does not match its trigger (/total: Expected number).' });
        const outcome = await store.ingestParked(event, refused);
        assert.ok(outcome.status === 'accepted');
        assert.deepEqual(outcome, { status: 'accepted', eventId: event.id, runId: event.runId, exceptionId: outcome.exceptionId });
        assert.deepEqual(await store.getException(outcome.exceptionId), {
          id: outcome.exceptionId,
          runId: event.runId,
          flowId: 'orders',
          eventId: event.id,
          reason: 'validation',
          message: refused.message,
          stepPath: null,
          input: event.event.body,
          lastResponse: undefined,
          status: 'open',
          createdAt: T0 + 5,
          resolvedAt: null,
        });
        const run = await store.getRun(event.runId);
        assert.deepEqual(
          [run?.status, run?.orderingKey, run?.createdAt, run?.finishedAt, run?.lastError, run?.fence, run?.checkpoints],
          ['exception', 'customer-9', T0, T0 + 5, refused.message, 0, []],
          'parked as parkException leaves a run, never claimed',
        );
        assert.deepEqual(await claimedIds({ now: T0 + 10 * LEASE_MS }), [], 'no claim, so no lease to expire: nothing ever runs it');
        assert.equal(await store.nextWakeAt(), undefined);

        const repeat = makeEvent({ dedupeKey: 'vendor:evt_9', orderingKey: 'customer-9' });
        assert.deepEqual(await store.ingestParked(repeat, refused), { status: 'duplicate', eventId: event.id, runId: event.runId });
        assert.deepEqual(await store.ingest(makeEvent({ dedupeKey: 'vendor:evt_9' })), { status: 'duplicate', eventId: event.id, runId: event.runId });
        assert.equal((await store.listExceptions({})).length, 1, 'a repeat parks nothing');
        assert.equal(await store.getRun(repeat.runId), undefined);

        await store.replayException(outcome.exceptionId, { now: T0 + 100, input: { total: 7 } });
        const replayed = await claimOne(event.runId, { now: T0 + 100 });
        assert.deepEqual([replayed.fence, replayed.event.body], [1, { total: 7 }]);
      });

      it('leaves nothing behind when an ingest of a parked run fails', async () => {
        const original = await ingestRun();
        const clashing = { ...makeEvent({ dedupeKey: 'clash' }), runId: original.runId };
        await assert.rejects(store.ingestParked(clashing, exceptionFor(T0)));
        assert.deepEqual(await store.listExceptions({}), []);
        // Had the failed ingest's event stayed, this delivery would count as its duplicate.
        assert.equal((await store.ingestParked(makeEvent({ dedupeKey: 'clash' }), exceptionFor(T0))).status, 'accepted');
      });

      it('accepts and deduplicates dedupe and ordering keys from values holding NUL, alone or in a poll batch', async () => {
        const event = makeEvent({ dedupeKey: `key:${keyText('A\u0000B')}`, orderingKey: keyText('customer\u00001') });
        assert.equal((await store.ingest(event)).status, 'accepted');
        assert.equal((await store.getRun(event.runId))?.orderingKey, keyText('customer\u00001'));
        const repeat = makeEvent({ dedupeKey: `key:${keyText('A\u0000B')}` });
        assert.deepEqual(await store.ingest(repeat), { status: 'duplicate', eventId: event.id, runId: event.runId });
        const polled = await store.ingestBatch([makeEvent({ dedupeKey: `key:${keyText('A\u0000C')}`, orderingKey: keyText('\u0000') })], { key: 'orders/poll', value: '1', now: T0 });
        assert.deepEqual(polled.map((outcome) => outcome.status), ['accepted']);
      });

      it('commits a poll batch with its cursor in one step, deduplicating records seen before', async () => {
        const seen = makeEvent({ dedupeKey: 'poll:order-1@10' });
        await store.ingest(seen);
        const outcomes = await store.ingestBatch(
          [makeEvent({ dedupeKey: 'poll:order-1@10' }), makeEvent({ dedupeKey: 'poll:order-2@11' })],
          { key: 'orders/poll', value: '11', now: T0 },
        );
        assert.deepEqual(outcomes.map((outcome) => outcome.status), ['duplicate', 'accepted']);
        assert.equal(await store.pollCursor('orders/poll'), '11');
        assert.equal(await store.pollCursor('nowhere'), undefined);
        await store.ingestBatch([], { key: 'orders/poll', value: '12', now: T0 + 1 });
        assert.equal(await store.pollCursor('orders/poll'), '12');
      });

      it('commits every one of many concurrent ingests durably', async () => {
        const events = Array.from({ length: 1000 }, (_, index) => makeEvent({ flowId: index % 2 === 0 ? 'orders' : 'invoices' }));
        const repeats = events.slice(0, 50).map((event) => makeEvent({ flowId: event.flowId, dedupeKey: event.dedupeKey }));
        const outcomes = await Promise.all([...events, ...repeats].map((event) => store.ingest(event)));
        assert.equal(outcomes.filter((outcome) => outcome.status === 'accepted').length, 1000);
        assert.equal(outcomes.filter((outcome) => outcome.status === 'duplicate').length, 50);
        await store.close();
        const reopened = await harness.reopen();
        assert.equal((await reopened.countRuns()).queued, 1000);
        assert.equal((await reopened.countRuns('invoices')).queued, 500);
        assert.ok(await reopened.getRun(events[999]!.runId));
      });
    });

    describe('claimRuns', () => {
      it('claims due runs with their event, checkpoints and attempts, and increments the fence', async () => {
        const event = await ingestRun();
        const [run, ...rest] = await claim();
        assert.equal(rest.length, 0);
        assert.ok(run);
        assert.equal(run.id, event.runId);
        assert.equal(run.status, 'running');
        assert.equal(run.fence, 1);
        assert.deepEqual(run.event, event.event);
        assert.deepEqual(run.checkpoints, []);
        assert.deepEqual(run.attempt, { path: null, count: 0, firstAt: null });
        assert.equal((await store.getRun(event.runId))?.status, 'running');
      });

      it('claims in due order, then creation order, up to the limit', async () => {
        const later = await ingestRun({ receivedAt: T0 - 1000 });
        const first = await ingestRun({ receivedAt: T0 - 5000 });
        const second = await ingestRun({ receivedAt: T0 - 5000 });
        assert.deepEqual(await claimedIds({ limit: 2 }), [first.runId, second.runId]);
        assert.deepEqual(await claimedIds({ limit: 2 }), [later.runId]);
      });

      it('claims only runs of the requested flows', async () => {
        await ingestRun({ flowId: 'orders' });
        const invoice = await ingestRun({ flowId: 'invoices' });
        assert.deepEqual(await claimedIds({ flowIds: ['invoices'] }), [invoice.runId]);
        assert.deepEqual(await claimedIds({ flowIds: [] }), []);
      });

      it('does not claim a run before it is due', async () => {
        const event = await ingestRun({ receivedAt: T0 + 60_000 });
        assert.deepEqual(await claimedIds(), []);
        assert.deepEqual(await claimedIds({ now: T0 + 60_000 }), [event.runId]);
      });

      it('does not claim a run again while its lease is live, and takes it over when the lease expires', async () => {
        const event = await ingestRun();
        await claimOne(event.runId);
        assert.deepEqual(await claimedIds({ workerId: 'worker-b', now: T0 + LEASE_MS - 1 }), []);
        const takenOver = await claimOne(event.runId, { workerId: 'worker-b', now: T0 + LEASE_MS });
        assert.equal(takenOver.fence, 2);
      });

      it('counts takeovers since the last checkpoint; a claim of a queued or waiting run is none', async () => {
        const event = await ingestRun();
        const first = await claimOne(event.runId);
        assert.equal(first.takeovers, 0);
        assert.equal((await claimOne(event.runId, { now: T0 + LEASE_MS })).takeovers, 1);
        const second = await claimOne(event.runId, { now: T0 + 2 * LEASE_MS });
        assert.equal(second.takeovers, 2);
        // The run got further: a worker dying later says nothing about this step.
        await store.checkpoint(event.runId, second.fence, { path: 'map', output: 1, outcome: 'done' }, { now: T0 + 2 * LEASE_MS + 1 });
        const third = await claimOne(event.runId, { now: T0 + 3 * LEASE_MS + 1 });
        assert.equal(third.takeovers, 1);
        await store.scheduleRetry(event.runId, third.fence, { stepPath: 'post', dueAt: T0 + 4 * LEASE_MS, now: T0 + 3 * LEASE_MS + 2, error: 'HTTP 503' });
        assert.equal((await claimOne(event.runId, { now: T0 + 4 * LEASE_MS })).takeovers, 1, 'a retry is not a takeover');
        const claimedAtIngest = await store.ingest(makeEvent(), { workerId: 'worker-a', leaseMs: LEASE_MS });
        assert.equal(claimedAtIngest.status === 'accepted' ? claimedAtIngest.claimed?.takeovers : undefined, 0);
      });

      it('keeps a run whose lease was renewed', async () => {
        const event = await ingestRun();
        const run = await claimOne(event.runId);
        assert.equal(await store.renewLease(event.runId, run.fence, T0 + 2 * LEASE_MS), true);
        assert.deepEqual(await claimedIds({ workerId: 'worker-b', now: T0 + LEASE_MS }), []);
        assert.deepEqual(await claimedIds({ workerId: 'worker-b', now: T0 + 2 * LEASE_MS }), [event.runId]);
      });

      it('runs one run at a time per ordering key, in creation order, until each is terminal', async () => {
        const first = await ingestRun({ orderingKey: 'order-1' });
        const second = await ingestRun({ orderingKey: 'order-1' });
        const third = await ingestRun({ orderingKey: 'order-1' });
        const otherKey = await ingestRun({ orderingKey: 'order-2' });
        const noKey = await ingestRun({ orderingKey: null });
        const noKeyToo = await ingestRun({ orderingKey: null });
        const otherFlow = await ingestRun({ orderingKey: 'order-1', flowId: 'invoices' });

        const claimed = await claim();
        assert.deepEqual(claimed.map((run) => run.id).sort(), [first.runId, otherKey.runId, noKey.runId, noKeyToo.runId, otherFlow.runId].sort());
        const firstRun = claimed.find((run) => run.id === first.runId)!;

        // Waiting for a retry is not terminal: the key stays blocked.
        await store.scheduleRetry(first.runId, firstRun.fence, { stepPath: 'post', dueAt: T0 + 1000, now: T0, error: 'HTTP 503' });
        assert.deepEqual(await claimedIds({ now: T0 + 500 }), []);
        const retried = await claimOne(first.runId, { now: T0 + 1000 });
        await store.completeRun(first.runId, retried.fence, T0 + 1000);

        const secondRun = await claimOne(second.runId, { now: T0 + 1000 });
        assert.deepEqual(await claimedIds({ now: T0 + 1000 }), []);
        await store.parkException(second.runId, secondRun.fence, exceptionFor(T0 + 1000));
        assert.deepEqual(await claimedIds({ now: T0 + 1000 }), [third.runId]);
      });

      it('keeps a replayed earlier run of an ordering key waiting while a later run of the key holds a live lease', async () => {
        const first = await ingestRun({ orderingKey: 'order-1' });
        const firstRun = await claimOne(first.runId);
        const exceptionId = await store.parkException(first.runId, firstRun.fence, exceptionFor(T0));
        const second = await ingestRun({ orderingKey: 'order-1' });
        const secondRun = await claimOne(second.runId);
        await store.replayException(exceptionId, { now: T0 + 1 });

        assert.deepEqual(await claimedIds({ now: T0 + 1 }), [], 'two runs of one key would run at once');
        const third = await store.ingest(makeEvent({ orderingKey: 'order-1' }), { workerId: 'worker-a', leaseMs: LEASE_MS });
        assert.ok(third.status === 'accepted' && third.claimed === undefined, 'nor is one claimed at ingest');
        // A dead worker's expired lease holds nothing; its run then waits for the earlier one.
        assert.deepEqual(await claimedIds({ now: T0 + LEASE_MS }), [first.runId]);
        await store.completeRun(first.runId, (await store.getRun(first.runId))!.fence, T0 + LEASE_MS);
        assert.deepEqual(await claimedIds({ now: T0 + LEASE_MS + 1 }), [second.runId]);
        assert.equal((await store.getRun(second.runId))?.fence, secondRun.fence + 1);
      });

      it('lets a run parked at ingest hold back no later run of its ordering key, and once replayed take its turn by creation order', async () => {
        const parked = makeEvent({ orderingKey: 'order-1' });
        const parkedOutcome = await store.ingestParked(parked, exceptionFor(T0, { stepPath: null }));
        assert.ok(parkedOutcome.status === 'accepted');
        const second = await ingestRun({ orderingKey: 'order-1' });
        const secondRun = await claimOne(second.runId);
        await store.ingestParked(makeEvent({ orderingKey: 'order-2' }), exceptionFor(T0, { stepPath: null }));
        const onIngest = await store.ingest(makeEvent({ orderingKey: 'order-2' }), { workerId: 'worker-a', leaseMs: LEASE_MS });
        assert.ok(onIngest.status === 'accepted' && onIngest.claimed, 'nor is a claim on ingest held back');
        const third = await ingestRun({ orderingKey: 'order-1' });

        await store.replayException(parkedOutcome.exceptionId, { now: T0 + 1 });
        assert.deepEqual(await claimedIds({ now: T0 + 1 }), [], 'the replayed run waits for the later run of its key that holds a lease');
        await store.completeRun(second.runId, secondRun.fence, T0 + 2);
        assert.deepEqual(await claimedIds({ now: T0 + 2 }), [parked.runId], 'and goes before a later run of its key still queued');
        await store.completeRun(parked.runId, (await store.getRun(parked.runId))!.fence, T0 + 3);
        assert.deepEqual(await claimedIds({ now: T0 + 3 }), [third.runId]);
      });

      it('queues a run replayed with a new ordering key in turn among the new key’s runs, no longer among the old key’s', async () => {
        const earlierOfOldKey = await ingestRun({ orderingKey: 'order-1' });
        const earlierOfNewKey = await ingestRun({ orderingKey: 'order-2' });
        const claimed = await claim();
        assert.deepEqual(claimed.map((run) => run.id), [earlierOfOldKey.runId, earlierOfNewKey.runId]);
        const earlierOfNewKeyRun = claimed[1]!;
        // The order id was wrong: the operator's edit moves the event to another record.
        const misfiled = makeEvent({ orderingKey: 'order-1', body: { order: 1 } });
        const parked = await store.ingestParked(misfiled, exceptionFor(T0, { stepPath: null }));
        assert.ok(parked.status === 'accepted');
        const laterOfNewKey = await ingestRun({ orderingKey: 'order-2' });

        await store.replayException(parked.exceptionId, { now: T0 + 1, input: { order: 2 }, orderingKey: 'order-2' });
        assert.equal((await store.getRun(misfiled.runId))?.orderingKey, 'order-2');
        assert.deepEqual(await claimedIds({ now: T0 + 1 }), [], 'behind the earlier open run of its new key');
        await store.completeRun(earlierOfNewKey.runId, earlierOfNewKeyRun.fence, T0 + 2);
        assert.deepEqual(await claimedIds({ now: T0 + 2 }), [misfiled.runId], 'its turn comes, though the old key’s earlier run still runs; the later run of its new key waits');
        await store.completeRun(misfiled.runId, (await store.getRun(misfiled.runId))!.fence, T0 + 3);
        assert.deepEqual(await claimedIds({ now: T0 + 3 }), [laterOfNewKey.runId]);
      });

      it('queues a run refused at ingest without an ordering key under the key its edited input gives', async () => {
        const refused = makeEvent({ orderingKey: null, body: { wrongShape: true } });
        const parked = await store.ingestParked(refused, exceptionFor(T0, { stepPath: null }));
        assert.ok(parked.status === 'accepted');
        await store.replayException(parked.exceptionId, { now: T0 + 1, input: { order: 3 }, orderingKey: 'order-3' });

        const later = await store.ingest(makeEvent({ orderingKey: 'order-3', receivedAt: T0 + 2 }), { workerId: 'worker-a', leaseMs: LEASE_MS });
        assert.ok(later.status === 'accepted' && later.claimed === undefined, 'a later event of the record waits for the replayed run, even on ingest');
        assert.deepEqual(await claimedIds({ now: T0 + 2 }), [refused.runId]);
      });

      it('caps the runs of a flow holding live leases at its concurrency', async () => {
        const orders = [await ingestRun(), await ingestRun(), await ingestRun(), await ingestRun()];
        const invoice = await ingestRun({ flowId: 'invoices' });
        const flowConcurrency = { orders: 2 };

        const claimed = await claim({ flowConcurrency });
        assert.deepEqual(claimed.map((run) => run.id), [orders[0]!.runId, orders[1]!.runId, invoice.runId]);
        assert.deepEqual(await claimedIds({ flowConcurrency }), []);

        await store.completeRun(orders[0]!.runId, claimed[0]!.fence, T0);
        assert.deepEqual(await claimedIds({ flowConcurrency }), [orders[2]!.runId]);

        // Expired leases hold no slot; their runs are due again since the lease ran out.
        const later = T0 + LEASE_MS;
        assert.deepEqual(await claimedIds({ flowConcurrency, now: later, workerId: 'worker-b' }), [orders[3]!.runId, orders[1]!.runId, invoice.runId]);
        assert.deepEqual(await claimedIds({ flowConcurrency: { orders: 0 }, now: later + LEASE_MS, flowIds: ['orders'] }), []);
      });
    });

    describe('fencing', () => {
      it('rejects every write carrying a stale fence and changes nothing', async () => {
        const event = await ingestRun();
        const stale = await claimOne(event.runId);
        const current = await claimOne(event.runId, { workerId: 'worker-b', now: T0 + LEASE_MS });
        const now = T0 + LEASE_MS + 1;
        const before = await store.getRun(event.runId);

        const writes: Array<[string, () => Promise<unknown>]> = [
          ['checkpoint', () => store.checkpoint(event.runId, stale.fence, { path: 'post', output: { id: 1 }, outcome: 'done' }, { effectKey: 'effect-1', now })],
          ['completeRun', () => store.completeRun(event.runId, stale.fence, now)],
          ['scheduleRetry', () => store.scheduleRetry(event.runId, stale.fence, { stepPath: 'post', dueAt: now + 1000, now, error: 'HTTP 500' })],
          ['postpone', () => store.postpone(event.runId, stale.fence, now + 1000, now)],
          ['releaseRun', () => store.releaseRun(event.runId, stale.fence, now)],
          ['parkException', () => store.parkException(event.runId, stale.fence, exceptionFor(now))],
        ];
        for (const [name, write] of writes) {
          await assert.rejects(write(), LeaseLostError, name);
        }
        assert.equal(await store.renewLease(event.runId, stale.fence, now + LEASE_MS), false);

        assert.deepEqual(await store.getRun(event.runId), before);
        assert.equal(await store.getEffect('effect-1'), undefined);
        assert.deepEqual(await store.listExceptions({}), []);
        assert.equal(current.fence, stale.fence + 1);
      });

      it('rejects writes on a run that is no longer running', async () => {
        const event = await ingestRun();
        const run = await claimOne(event.runId);
        await store.completeRun(event.runId, run.fence, T0);
        await assert.rejects(store.completeRun(event.runId, run.fence, T0), LeaseLostError);
        await assert.rejects(store.checkpoint(event.runId, run.fence, { path: 'post', output: null, outcome: 'done' }, { now: T0 }), LeaseLostError);
        assert.equal(await store.renewLease(event.runId, run.fence, T0 + LEASE_MS), false);
      });

      it('fails a stale write alone when it is issued together with others', async () => {
        const event = await ingestRun();
        const stale = await claimOne(event.runId);
        await claimOne(event.runId, { now: T0 + LEASE_MS });
        const [before, staleWrite, after] = await Promise.allSettled([
          store.ingest(makeEvent()),
          store.completeRun(event.runId, stale.fence, T0 + LEASE_MS),
          store.ingest(makeEvent()),
        ]);
        assert.equal(before.status, 'fulfilled');
        assert.equal(staleWrite.status, 'rejected');
        assert.ok(staleWrite.reason instanceof LeaseLostError);
        assert.equal(after.status, 'fulfilled');
        assert.equal((await store.countRuns()).queued, 2);
      });
    });

    describe('run lifecycle', () => {
      it('returns checkpoints in the order the steps completed', async () => {
        const event = await ingestRun();
        const run = await claimOne(event.runId);
        await store.checkpoint(event.runId, run.fence, { path: 'map', output: { email: 'a@example.com' }, outcome: 'done' }, { now: T0 + 1 });
        await store.checkpoint(event.runId, run.fence, { path: 'notify', output: null, outcome: 'skipped' }, { now: T0 + 2 });
        await store.checkpoint(event.runId, run.fence, { path: 'lines[0].post', output: [1, 'two'], outcome: 'done' }, { now: T0 + 3 });
        await store.releaseRun(event.runId, run.fence, T0 + 4);
        const again = await claimOne(event.runId, { now: T0 + 4 });
        assert.deepEqual(again.checkpoints, [
          { path: 'map', output: { email: 'a@example.com' }, outcome: 'done' },
          { path: 'notify', output: null, outcome: 'skipped' },
          { path: 'lines[0].post', output: [1, 'two'], outcome: 'done' },
        ]);
        assert.deepEqual((await store.getRun(event.runId))?.checkpoints, again.checkpoints);
      });

      it('completes a run', async () => {
        const event = await ingestRun();
        const run = await claimOne(event.runId);
        await store.completeRun(event.runId, run.fence, T0 + 500);
        const done = await store.getRun(event.runId);
        assert.equal(done?.status, 'succeeded');
        assert.equal(done?.finishedAt, T0 + 500);
        assert.deepEqual(await claimedIds({ now: T0 + 10 * LEASE_MS }), []);
      });

      it('counts retries per step path and keeps the first failure time', async () => {
        const event = await ingestRun();
        let run = await claimOne(event.runId);
        await store.scheduleRetry(event.runId, run.fence, { stepPath: 'post', dueAt: T0 + 1000, now: T0 + 10, error: 'HTTP 503' });
        const waiting = await store.getRun(event.runId);
        assert.equal(waiting?.status, 'waiting');
        assert.equal(waiting?.dueAt, T0 + 1000);
        assert.equal(waiting?.lastError, 'HTTP 503');
        assert.deepEqual(await claimedIds({ now: T0 + 999 }), []);

        run = await claimOne(event.runId, { now: T0 + 1000 });
        assert.deepEqual(run.attempt, { path: 'post', count: 1, firstAt: T0 + 10 });
        await store.scheduleRetry(event.runId, run.fence, { stepPath: 'post', dueAt: T0 + 2000, now: T0 + 1010, error: 'HTTP 502' });
        run = await claimOne(event.runId, { now: T0 + 2000 });
        assert.deepEqual(run.attempt, { path: 'post', count: 2, firstAt: T0 + 10 });

        // The step succeeded at last: a later step's failures count from one.
        await store.checkpoint(event.runId, run.fence, { path: 'post', output: { id: 7 }, outcome: 'done' }, { now: T0 + 2010 });
        await store.scheduleRetry(event.runId, run.fence, { stepPath: 'notify', dueAt: T0 + 3000, now: T0 + 2020, error: 'timeout' });
        run = await claimOne(event.runId, { now: T0 + 3000 });
        assert.deepEqual(run.attempt, { path: 'notify', count: 1, firstAt: T0 + 2020 });

        // A run that succeeded in the end shows no error.
        await store.completeRun(event.runId, run.fence, T0 + 3010);
        assert.deepEqual([(await store.getRun(event.runId))?.status, (await store.getRun(event.runId))?.lastError], ['succeeded', null]);
      });

      it('resets the attempt count once the failing step is checkpointed', async () => {
        const event = await ingestRun();
        let run = await claimOne(event.runId);
        await store.scheduleRetry(event.runId, run.fence, { stepPath: 'post', dueAt: T0 + 1000, now: T0, error: 'HTTP 503' });
        run = await claimOne(event.runId, { now: T0 + 1000 });
        await store.checkpoint(event.runId, run.fence, { path: 'post', output: null, outcome: 'done' }, { now: T0 + 1000 });
        await store.releaseRun(event.runId, run.fence, T0 + 1000);
        run = await claimOne(event.runId, { now: T0 + 1000 });
        assert.deepEqual(run.attempt, { path: null, count: 0, firstAt: null });
      });

      it('postpones a run without counting an attempt', async () => {
        const event = await ingestRun();
        let run = await claimOne(event.runId);
        await store.scheduleRetry(event.runId, run.fence, { stepPath: 'post', dueAt: T0 + 1000, now: T0, error: 'HTTP 503' });
        run = await claimOne(event.runId, { now: T0 + 1000 });
        await store.postpone(event.runId, run.fence, T0 + 5000, T0 + 1000);
        const postponed = await store.getRun(event.runId);
        assert.equal(postponed?.status, 'waiting');
        assert.equal(postponed?.dueAt, T0 + 5000);
        assert.deepEqual(await claimedIds({ now: T0 + 4999 }), []);
        run = await claimOne(event.runId, { now: T0 + 5000 });
        assert.deepEqual(run.attempt, { path: 'post', count: 1, firstAt: T0 });
      });

      it('hands a released run to the next claim at once', async () => {
        const event = await ingestRun();
        const run = await claimOne(event.runId);
        await store.releaseRun(event.runId, run.fence, T0 + 100);
        const released = await store.getRun(event.runId);
        assert.equal(released?.status, 'queued');
        assert.equal(released?.dueAt, T0 + 100);
        const again = await claimOne(event.runId, { workerId: 'worker-b', now: T0 + 100 });
        assert.equal(again.fence, run.fence + 1);
      });

      it('parks a run until waitUntil when a checkpoint asks to wait', async () => {
        const event = await ingestRun();
        const run = await claimOne(event.runId);
        await store.checkpoint(event.runId, run.fence, { path: 'pause', output: null, outcome: 'done' }, { waitUntil: T0 + 3_600_000, now: T0 + 5 });
        const parked = await store.getRun(event.runId);
        assert.equal(parked?.status, 'waiting');
        assert.equal(parked?.dueAt, T0 + 3_600_000);
        assert.deepEqual(await claimedIds({ now: T0 + 3_599_999 }), []);
        const resumed = await claimOne(event.runId, { now: T0 + 3_600_000 });
        assert.deepEqual(resumed.checkpoints, [{ path: 'pause', output: null, outcome: 'done' }]);
      });
    });

    describe('effect ledger', () => {
      it('records an intent once and marks it done with the checkpoint output, atomically', async () => {
        const event = await ingestRun();
        const run = await claimOne(event.runId);
        assert.equal(await store.getEffect('weft-abc'), undefined);
        const pending = { key: 'weft-abc', runId: event.runId, stepPath: 'post', status: 'pending', result: undefined, createdAt: T0 + 1, doneAt: null, requestHash: 'sha256:first' };
        assert.deepEqual(await store.beginEffect({ key: 'weft-abc', runId: event.runId, stepPath: 'post', now: T0 + 1, requestHash: 'sha256:first' }), { effect: pending, destinationHold: undefined });
        // A second begin answers the first intent, unchanged, whatever it would send now.
        assert.deepEqual(await store.beginEffect({ key: 'weft-abc', runId: event.runId, stepPath: 'post', now: T0 + 2, requestHash: 'sha256:other' }), { effect: pending, destinationHold: undefined });
        assert.deepEqual(await store.getEffect('weft-abc'), pending);

        await store.checkpoint(event.runId, run.fence, { path: 'post', output: { salesOrder: 889 }, outcome: 'done' }, { effectKey: 'weft-abc', now: T0 + 3 });
        assert.deepEqual(await store.getEffect('weft-abc'), {
          key: 'weft-abc',
          runId: event.runId,
          stepPath: 'post',
          status: 'done',
          result: { salesOrder: 889 },
          createdAt: T0 + 1,
          doneAt: T0 + 3,
          requestHash: 'sha256:first',
        });

        const { effect: again } = await store.beginEffect({ key: 'weft-abc', runId: event.runId, stepPath: 'post', now: T0 + 4 });
        assert.deepEqual([again.status, again.result], ['done', { salesOrder: 889 }]);
        assert.equal((await store.getEffect('weft-abc'))?.status, 'done');
      });
    });

    describe('exceptions', () => {
      async function parkRun(fields: Parameters<typeof makeEvent>[0] = {}, exception: Partial<NewException> = {}) {
        const event = await ingestRun(fields);
        const run = await claimOne(event.runId, { flowIds: [event.flowId] });
        await store.checkpoint(event.runId, run.fence, { path: 'map', output: { mapped: true }, outcome: 'done' }, { now: T0 + 1 });
        await store.beginEffect({ key: `effect-${event.runId}`, runId: event.runId, stepPath: 'post', now: T0 + 2 });
        await store.checkpoint(event.runId, run.fence, { path: 'post', output: { id: 5 }, outcome: 'done' }, { effectKey: `effect-${event.runId}`, now: T0 + 3 });
        const exceptionId = await store.parkException(event.runId, run.fence, exceptionFor(T0 + 10, exception));
        return { event, exceptionId };
      }

      it('parks a run as an open exception in one step', async () => {
        const { event, exceptionId } = await parkRun({}, { lastResponse: { status: 422, headers: {}, body: '{"error":"email"}' } });
        assert.deepEqual(await store.getException(exceptionId), {
          id: exceptionId,
          runId: event.runId,
          flowId: 'orders',
          eventId: event.id,
          reason: 'validation',
          message: 'The order has no customer email.',
          stepPath: 'map',
          input: { order: 1 },
          lastResponse: { status: 422, headers: {}, body: '{"error":"email"}' },
          status: 'open',
          createdAt: T0 + 10,
          resolvedAt: null,
        });
        const run = await store.getRun(event.runId);
        assert.equal(run?.status, 'exception');
        assert.equal(run?.finishedAt, T0 + 10);
        assert.equal(run?.lastError, 'The order has no customer email.');
        assert.deepEqual(await claimedIds({ now: T0 + 10 * LEASE_MS }), []);
      });

      it('replays an exception with its checkpoints kept and attempts reset', async () => {
        const event = await ingestRun();
        let run = await claimOne(event.runId);
        await store.checkpoint(event.runId, run.fence, { path: 'map', output: 1, outcome: 'done' }, { now: T0 });
        await store.scheduleRetry(event.runId, run.fence, { stepPath: 'post', dueAt: T0 + 1000, now: T0, error: 'HTTP 503' });
        run = await claimOne(event.runId, { now: T0 + 1000 });
        const exceptionId = await store.parkException(event.runId, run.fence, exceptionFor(T0 + 1000, { reason: 'destination-down' }));

        assert.deepEqual(await store.replayException(exceptionId, { now: T0 + 9000 }), { runId: event.runId });
        const exception = await store.getException(exceptionId);
        assert.equal(exception?.status, 'replayed');
        assert.equal(exception?.resolvedAt, T0 + 9000);
        const queued = await store.getRun(event.runId);
        assert.equal(queued?.status, 'queued');
        assert.equal(queued?.dueAt, T0 + 9000);
        assert.equal(queued?.finishedAt, null);

        const replayed = await claimOne(event.runId, { now: T0 + 9000 });
        assert.deepEqual(replayed.checkpoints, [{ path: 'map', output: 1, outcome: 'done' }]);
        assert.deepEqual(replayed.attempt, { path: null, count: 0, firstAt: null });
        assert.deepEqual(replayed.event, event.event);
        assert.equal(replayed.fence, run.fence + 1);
      });

      it('replays a run parked after takeovers with its takeovers reset, with or without new input', async () => {
        const event = await ingestRun();
        await claimOne(event.runId);
        await claimOne(event.runId, { now: T0 + LEASE_MS });
        const runaway = await claimOne(event.runId, { now: T0 + 2 * LEASE_MS });
        assert.equal(runaway.takeovers, 2);
        const first = await store.parkException(event.runId, runaway.fence, exceptionFor(T0 + 2 * LEASE_MS, { reason: 'bug' }));
        await store.replayException(first, { now: T0 + 3 * LEASE_MS });
        assert.equal((await claimOne(event.runId, { now: T0 + 3 * LEASE_MS })).takeovers, 0, 'a replay is a fresh start');

        const takenOver = await claimOne(event.runId, { now: T0 + 4 * LEASE_MS });
        assert.equal(takenOver.takeovers, 1);
        const second = await store.parkException(event.runId, takenOver.fence, exceptionFor(T0 + 4 * LEASE_MS, { reason: 'bug' }));
        await store.replayException(second, { now: T0 + 5 * LEASE_MS, input: { order: 2 } });
        assert.equal((await claimOne(event.runId, { now: T0 + 5 * LEASE_MS })).takeovers, 0, 'an edited replay too');
      });

      it('replays with new input: the trigger body is replaced, checkpoints cleared, effects kept', async () => {
        const { event, exceptionId } = await parkRun();
        await store.replayException(exceptionId, { now: T0 + 100, input: { order: 1, email: 'fixed@example.com' } });
        const replayed = await claimOne(event.runId, { now: T0 + 100 });
        assert.deepEqual(replayed.event, { ...event.event, body: { order: 1, email: 'fixed@example.com' } });
        assert.deepEqual(replayed.checkpoints, []);
        assert.equal((await store.getEffect(`effect-${event.runId}`))?.status, 'done');
        assert.deepEqual((await store.getRun(event.runId))?.event.body, { order: 1, email: 'fixed@example.com' });
      });

      it('refuses to replay an exception that is not open', async () => {
        const replayedOnce = await parkRun();
        await store.replayException(replayedOnce.exceptionId, { now: T0 + 100 });
        await assert.rejects(store.replayException(replayedOnce.exceptionId, { now: T0 + 200 }), NotReplayableError);

        const discarded = await parkRun();
        await store.discardException(discarded.exceptionId, T0 + 300);
        const exception = await store.getException(discarded.exceptionId);
        assert.equal(exception?.status, 'discarded');
        assert.equal(exception?.resolvedAt, T0 + 300);
        assert.equal((await store.getRun(discarded.event.runId))?.status, 'exception');
        await assert.rejects(store.replayException(discarded.exceptionId, { now: T0 + 400 }), NotReplayableError);
      });

      it('lists exceptions by flow, reason and status', async () => {
        const auth = await parkRun({ flowId: 'orders' }, { reason: 'auth' });
        const mapping = await parkRun({ flowId: 'invoices' }, { reason: 'mapping' });
        const invalid = await parkRun({ flowId: 'invoices' }, { reason: 'validation' });
        await store.discardException(invalid.exceptionId, T0 + 50);

        const ids = async (filter: Parameters<Store['listExceptions']>[0]) => (await store.listExceptions(filter)).map((exception) => exception.id).sort();
        assert.deepEqual(await ids({}), [auth.exceptionId, mapping.exceptionId, invalid.exceptionId].sort());
        assert.deepEqual(await ids({ flowId: 'invoices' }), [mapping.exceptionId, invalid.exceptionId].sort());
        assert.deepEqual(await ids({ reason: 'auth' }), [auth.exceptionId]);
        assert.deepEqual(await ids({ status: 'open' }), [auth.exceptionId, mapping.exceptionId].sort());
        assert.deepEqual(await ids({ flowId: 'invoices', status: 'open', reason: 'mapping' }), [mapping.exceptionId]);
        assert.equal((await store.listExceptions({ limit: 2 })).length, 2);
        assert.deepEqual(await ids({ runId: mapping.event.runId }), [mapping.exceptionId]);
      });
    });

    describe('connections', () => {
      it('creates, replaces, lists and removes connections, keeping the creation time', async () => {
        await store.connections.put({ id: 'erp', connectorId: 'acme-erp', config: { baseUrl: 'http://127.0.0.1:1' }, now: T0 });
        await store.connections.put({ id: 'shop', connectorId: 'stripe', config: {}, now: T0 + 1 });
        await store.connections.put({ id: 'erp', connectorId: 'acme-erp', config: { baseUrl: 'http://127.0.0.1:2' }, now: T0 + 5 });
        const erp = await store.connections.get('erp');
        assert.deepEqual(erp, { id: 'erp', connectorId: 'acme-erp', config: { baseUrl: 'http://127.0.0.1:2' }, createdAt: T0, updatedAt: T0 + 5 });
        assert.deepEqual((await store.connections.list()).map((c) => c.id), ['erp', 'shop']);
        assert.equal(await store.connections.get('nope'), undefined);
      });

      it('removes a connection together with its secrets', async () => {
        await store.connections.put({ id: 'erp', connectorId: 'acme-erp', config: {}, now: T0 });
        await store.secrets.write({ connectionId: 'erp', name: 'apiKey', kid: 'k1', envelope: 'sealed' });
        await store.secrets.write({ connectionId: 'shop', name: 'apiKey', kid: 'k1', envelope: 'other' });
        assert.equal(await store.connections.remove('erp'), true);
        assert.equal(await store.connections.get('erp'), undefined);
        assert.equal(await store.secrets.read('erp', 'apiKey'), undefined);
        assert.ok(await store.secrets.read('shop', 'apiKey'), 'other connections keep theirs');
        assert.equal(await store.connections.remove('erp'), false);
      });
    });

    describe('exception feed', () => {
      it('lists exceptions created since a time, oldest first', async () => {
        const parked: string[] = [];
        for (const at of [T0 + 20, T0 + 10, T0 + 30]) {
          const event = await ingestRun();
          const run = await claimOne(event.runId, { now: at });
          parked.push(await store.parkException(run.id, run.fence, exceptionFor(at)));
        }
        assert.deepEqual((await store.exceptionsSince(T0 + 15, 10)).map((e) => e.id), [parked[0], parked[2]]);
        assert.deepEqual((await store.exceptionsSince(T0, 2)).map((e) => e.id), [parked[1], parked[0]]);
      });
    });

    describe('xref', () => {
      const shopify7001 = { system: 'shopify', id: '7001' };
      const netsuite3345 = { system: 'netsuite', id: '3345' };
      const stripeCus9 = { system: 'stripe', id: 'cus_9' };
      const ids = (group: XrefGroup | undefined) => group?.links.map((link) => `${link.system}:${link.id}`).sort();

      it('links ids into one group that every member finds, from any side', async () => {
        await store.xref.link('customer', shopify7001, netsuite3345, T0);
        await store.xref.link('customer', stripeCus9, netsuite3345, T0 + 1);
        for (const ref of [shopify7001, netsuite3345, stripeCus9]) {
          assert.deepEqual(ids(await store.xref.find('customer', ref)), ['netsuite:3345', 'shopify:7001', 'stripe:cus_9']);
        }
        assert.equal(await store.xref.find('order', shopify7001), undefined, 'entities are separate');
        assert.equal(await store.xref.find('customer', { system: 'shopify', id: '7002' }), undefined);
        await store.xref.link('customer', shopify7001, netsuite3345, T0 + 2);
        assert.equal((await store.xref.find('customer', shopify7001))!.links.length, 3, 'linking again changes nothing');
      });

      it('refuses a second id for a system in a group, and leaves the group as it was', async () => {
        await store.xref.link('customer', shopify7001, netsuite3345, T0);
        await assert.rejects(store.xref.link('customer', shopify7001, { system: 'netsuite', id: '9999' }, T0 + 1), XrefConflictError);
        await assert.rejects(store.xref.link('customer', { system: 'netsuite', id: '9999' }, shopify7001, T0 + 1), XrefConflictError);
        assert.deepEqual(ids(await store.xref.find('customer', shopify7001)), ['netsuite:3345', 'shopify:7001']);
        assert.equal(await store.xref.find('customer', { system: 'netsuite', id: '9999' }), undefined);
      });

      it('finds the groups of many refs at once, each group once, across chunks', async () => {
        const quoted = { system: 'shopify', id: `70'03, "x" \u00e9` };
        await store.xref.link('customer', shopify7001, netsuite3345, T0);
        await store.xref.link('customer', stripeCus9, shopify7001, T0 + 1);
        await store.xref.link('customer', quoted, { system: 'netsuite', id: '3346' }, T0 + 2);
        await store.xref.link('order', { system: 'shopify', id: '7004' }, { system: 'netsuite', id: 'SO-1' }, T0 + 3);
        const unlinked = Array.from({ length: XREF_FIND_MANY_CHUNK }, (_, index) => ({ system: 'shopify', id: `u${index}` }));
        // 7001 is in the first chunk and its group's netsuite id in the second: one group, once.
        const refs = [shopify7001, ...unlinked, netsuite3345, quoted, { system: 'shopify', id: '7004' }];
        const groups = await store.xref.findMany('customer', refs);
        assert.deepEqual(groups.map(ids).sort(), [['netsuite:3345', 'shopify:7001', 'stripe:cus_9'], ['netsuite:3346', `shopify:${quoted.id}`]]);
        for (const group of groups) assert.deepEqual(group, await store.xref.find('customer', group.links[0]!), 'as find answers it');
        assert.deepEqual(await store.xref.findMany('customer', []), []);
        assert.deepEqual((await store.xref.findMany('order', refs)).map(ids), [['netsuite:SO-1', 'shopify:7004']], 'entities are separate');
      });

      it('merges two groups that share no system', async () => {
        await store.xref.link('customer', shopify7001, netsuite3345, T0);
        await store.xref.link('customer', stripeCus9, { system: 'quickbooks', id: '58' }, T0 + 1);
        await store.xref.link('customer', netsuite3345, stripeCus9, T0 + 2);
        assert.deepEqual(ids(await store.xref.find('customer', { system: 'quickbooks', id: '58' })), ['netsuite:3345', 'quickbooks:58', 'shopify:7001', 'stripe:cus_9']);
      });

      it('lists groups newest first, filtered by entity and system', async () => {
        await store.xref.link('customer', shopify7001, netsuite3345, T0);
        await store.xref.link('order', { system: 'shopify', id: '5001' }, { system: 'netsuite', id: 'SO-1' }, T0 + 1);
        await store.xref.link('customer', { system: 'shopify', id: '7002' }, stripeCus9, T0 + 2);
        assert.deepEqual((await store.xref.list({})).map((group) => `${group.entity}:${ids(group)!.join('+')}`), [
          'customer:shopify:7002+stripe:cus_9',
          'order:netsuite:SO-1+shopify:5001',
          'customer:netsuite:3345+shopify:7001',
        ]);
        assert.deepEqual((await store.xref.list({ entity: 'customer', system: 'netsuite' })).map(ids), [['netsuite:3345', 'shopify:7001']]);
        assert.equal((await store.xref.list({ limit: 1 })).length, 1);
        assert.deepEqual((await store.xref.list({ id: 'SO-1' })).map(ids), [['netsuite:SO-1', 'shopify:5001']], 'found by an id in any system');
      });

      it('unlinks one id, keeping the others linked, and drops a group left with one id', async () => {
        await store.xref.link('customer', shopify7001, netsuite3345, T0);
        await store.xref.link('customer', shopify7001, stripeCus9, T0);
        assert.equal(await store.xref.unlink('customer', stripeCus9), true);
        assert.deepEqual(ids(await store.xref.find('customer', shopify7001)), ['netsuite:3345', 'shopify:7001']);
        assert.equal(await store.xref.unlink('customer', netsuite3345), true);
        assert.equal(await store.xref.find('customer', shopify7001), undefined, 'a lone id is not a link');
        assert.equal(await store.xref.unlink('customer', netsuite3345), false);
        await store.xref.link('customer', shopify7001, { system: 'netsuite', id: '9999' }, T0 + 1);
        assert.deepEqual(ids(await store.xref.find('customer', shopify7001)), ['netsuite:9999', 'shopify:7001'], 'after unlinking, a new link is accepted');
      });

      it('keeps what an effect created with its link, and when the link is refused the creation without the link', async () => {
        const record = { customerId: '3345', name: 'Jane \u0000 Doe', tags: ['vip'] };
        await store.xref.link('customer', shopify7001, netsuite3345, T0, { effectKey: 'weft-create-7001', record });
        assert.deepEqual(await store.xref.creationOf('weft-create-7001'), { entity: 'customer', system: 'netsuite', id: '3345', record, linkedAt: T0 });
        assert.equal(await store.xref.creationOf('weft-unknown'), undefined);

        // The record exists at the vendor whether or not it may be linked: a replay links it
        // instead of creating another, so its creation is kept though the link is not.
        await assert.rejects(
          store.xref.link('customer', shopify7001, { system: 'netsuite', id: '9999' }, T0 + 1, { effectKey: 'weft-create-9999', record: { customerId: '9999' } }),
          XrefConflictError,
        );
        assert.deepEqual(await store.xref.creationOf('weft-create-9999'), { entity: 'customer', system: 'netsuite', id: '9999', record: { customerId: '9999' }, linkedAt: T0 + 1 });
        assert.equal(await store.xref.find('customer', { system: 'netsuite', id: '9999' }), undefined, 'a refused link links nothing');
        assert.deepEqual(ids(await store.xref.find('customer', shopify7001)), ['netsuite:3345', 'shopify:7001']);
        // A refused link without a creation keeps nothing either.
        await assert.rejects(store.xref.link('customer', shopify7001, { system: 'netsuite', id: '9998' }, T0 + 1), XrefConflictError);
        assert.equal(await store.xref.find('customer', { system: 'netsuite', id: '9998' }), undefined);

        // The same effect linking again (its first link was unlinked meanwhile): the latest counts.
        await store.xref.unlink('customer', netsuite3345);
        await store.xref.link('customer', shopify7001, { system: 'netsuite', id: '3346' }, T0 + 2, { effectKey: 'weft-create-7001', record: null });
        assert.deepEqual(await store.xref.creationOf('weft-create-7001'), { entity: 'customer', system: 'netsuite', id: '3346', record: null, linkedAt: T0 + 2 });
      });

      it('lets concurrent links of one object agree on a single group', async () => {
        await Promise.all([
          store.xref.link('customer', shopify7001, netsuite3345, T0),
          store.xref.link('customer', stripeCus9, netsuite3345, T0),
          store.xref.link('customer', shopify7001, { system: 'quickbooks', id: '58' }, T0),
        ]);
        assert.deepEqual(ids(await store.xref.find('customer', stripeCus9)), ['netsuite:3345', 'quickbooks:58', 'shopify:7001', 'stripe:cus_9']);
      });
    });

    describe('reconciliations', () => {
      const report = (fields: Partial<ReconciliationReport> = {}): ReconciliationReport => ({
        id: 'rec_1',
        flowId: 'nightly',
        runId: 'run_a',
        stepPath: 'compare',
        entity: 'order',
        sourceSystem: 'shopify',
        targetSystem: 'netsuite',
        matched: 8,
        missing: 1,
        different: 1,
        at: T0,
        items: [
          { status: 'missing', sourceId: '5001', name: 'order #1001', action: { kind: 'exception', runId: 'run_x', exceptionId: 'exc_1' } },
          { status: 'different', sourceId: '5002', name: 'order #1002', targetId: 'SO-2', sourceValue: '20.00', targetValue: '19.00' },
        ],
        ...fields,
      });

      it('keeps reports with their items, lists them newest first without items, by flow', async () => {
        await store.reconciliations.record(report());
        await store.reconciliations.record(report({ id: 'rec_2', runId: 'run_b', at: T0 + 1, items: [], missing: 0, different: 0 }));
        await store.reconciliations.record(report({ id: 'rec_3', flowId: 'other', runId: 'run_c', at: T0 + 2 }));
        assert.deepEqual(await store.reconciliations.get('rec_1'), report());
        const listed = await store.reconciliations.list({ flowId: 'nightly' });
        assert.deepEqual(listed.map((r) => r.id), ['rec_2', 'rec_1']);
        assert.equal('items' in listed[0]!, false);
        assert.deepEqual((await store.reconciliations.list({ limit: 1 })).map((r) => r.id), ['rec_3']);
        assert.equal(await store.reconciliations.get('rec_404'), undefined);
      });

      it('lists each report with the counts its items hold: settling, orphans, not handed over', async () => {
        await store.reconciliations.record(
          report({
            items: [
              { status: 'missing', sourceId: '5001', name: 'order #1001', settling: true },
              { status: 'different', sourceId: '5002', name: 'order #1002', targetId: 'SO-2', settling: true },
              { status: 'missing', sourceId: '5003', name: 'order #1003', notHandedOver: 'over-limit' },
              { status: 'orphan', name: 'netsuite record SO-9', targetId: 'SO-9' },
              { status: 'missing', sourceId: '5004', name: 'order #1004', action: { kind: 'exception', runId: 'run_x', exceptionId: 'exc_1' } },
            ],
          }),
        );
        await store.reconciliations.record(report({ id: 'rec_2', runId: 'run_b', at: T0 + 1, items: [], missing: 0, different: 0 }));
        const listed = await store.reconciliations.list({ flowId: 'nightly' });
        assert.deepEqual(listed.map((r) => [r.id, r.settling, r.orphans, r.notHandedOver]), [['rec_2', 0, 0, 0], ['rec_1', 2, 1, 1]]);
        assert.equal('items' in listed[1]!, false);
      });

      it('replaces the report of a retried step instead of keeping two', async () => {
        await store.reconciliations.record(report());
        await store.reconciliations.record(report({ id: 'rec_retry', matched: 9, missing: 0, at: T0 + 5 }));
        assert.deepEqual((await store.reconciliations.list({})).map((r) => [r.id, r.matched, r.missing]), [['rec_retry', 9, 0]]);
      });

      it('finds the runs of a flow still on their way by ordering key: not ended, or parked with an open exception', async () => {
        const queued = await ingestRun({ orderingKey: 'order-1' });
        await ingestRun({ orderingKey: 'order-1' });
        const parked = makeEvent({ orderingKey: 'order-2' });
        const parkedOutcome = await store.ingestParked(parked, exceptionFor(T0));
        assert.equal(parkedOutcome.status, 'accepted');
        const discarded = makeEvent({ orderingKey: 'order-3' });
        const discardedOutcome = await store.ingestParked(discarded, exceptionFor(T0));
        await store.discardException(discardedOutcome.status === 'accepted' ? discardedOutcome.exceptionId : '', T0, 'not needed');
        const done = await ingestRun({ orderingKey: 'order-4' });
        await store.completeRun(done.runId, (await claimOne(done.runId)).fence, T0);
        await ingestRun({ flowId: 'invoices', orderingKey: 'order-5' });

        const found = await store.reconciliations.runsInFlight('orders', ['order-1', 'order-2', 'order-3', 'order-4', 'order-5', 'order-6']);
        assert.deepEqual(
          found.sort((a, b) => a.orderingKey.localeCompare(b.orderingKey)),
          [
            // Claimed with order-4's run; the second run of order-1 waits behind it (not listed: one a key, the earliest).
            { orderingKey: 'order-1', runId: queued.runId, status: 'running' },
            { orderingKey: 'order-2', runId: parked.runId, status: 'exception', exceptionId: parkedOutcome.status === 'accepted' ? parkedOutcome.exceptionId : '' },
          ],
        );
        assert.deepEqual(await store.reconciliations.runsInFlight('orders', []), []);
        const many = Array.from({ length: XREF_FIND_MANY_CHUNK + 1 }, (_, index) => `none-${index}`);
        assert.deepEqual((await store.reconciliations.runsInFlight('orders', [...many, 'order-1'])).map((run) => run.runId), [queued.runId], 'keys past the first chunk are looked up too');
      });
    });

    describe('queries', () => {
      it('lists and counts runs by flow and status', async () => {
        const runningOrder = await ingestRun({ flowId: 'orders' });
        const queuedOrder = await ingestRun({ flowId: 'orders' });
        const queuedInvoice = await ingestRun({ flowId: 'invoices' });
        await claimOne(runningOrder.runId, { flowIds: ['orders'], limit: 1 });

        const ids = async (filter: Parameters<Store['listRuns']>[0]) => (await store.listRuns(filter)).map((run) => run.id).sort();
        assert.deepEqual(await ids({}), [runningOrder.runId, queuedOrder.runId, queuedInvoice.runId].sort());
        assert.deepEqual(await ids({ flowId: 'invoices' }), [queuedInvoice.runId]);
        assert.deepEqual(await ids({ flowId: 'orders', status: 'running' }), [runningOrder.runId]);
        assert.deepEqual(await ids({ status: 'queued' }), [queuedOrder.runId, queuedInvoice.runId].sort());
        assert.equal((await store.listRuns({ limit: 2 })).length, 2);

        assert.deepEqual(await store.countRuns(), { queued: 2, running: 1, waiting: 0, succeeded: 0, exception: 0 });
        assert.deepEqual(await store.countRuns('orders'), { queued: 1, running: 1, waiting: 0, succeeded: 0, exception: 0 });
        assert.deepEqual(await store.countRuns('unknown'), { queued: 0, running: 0, waiting: 0, succeeded: 0, exception: 0 });
      });

      it('tells when to look for work again', async () => {
        assert.equal(await store.nextWakeAt(), undefined);
        const soon = await ingestRun({ receivedAt: T0 + 60_000 });
        await ingestRun({ receivedAt: T0 + 120_000 });
        assert.equal(await store.nextWakeAt(), T0 + 60_000);

        const run = await claimOne(soon.runId, { now: T0 + 60_000, leaseMs: 10_000 });
        assert.equal(await store.nextWakeAt(), T0 + 70_000);
        await store.completeRun(soon.runId, run.fence, T0 + 61_000);
        assert.equal(await store.nextWakeAt(), T0 + 120_000);
      });

      it('records outbound calls and lists them by run', async () => {
        const event = await ingestRun();
        const call = (fields: Partial<NewCallRecord>): NewCallRecord => ({
          at: T0,
          flowId: 'orders',
          runId: event.runId,
          stepPath: 'post',
          attempt: 1,
          method: 'POST',
          url: 'https://erp.example.com/orders',
          status: 503,
          durationMs: 120,
          requestHeaders: { 'idempotency-key': 'weft-abc' },
          requestBody: '{"order":1}',
          responseHeaders: { 'retry-after': '5' },
          responseBody: 'busy',
          error: null,
          ...fields,
        });
        await store.recordCall(call({}));
        await store.recordCall(call({ runId: 'run_other', status: null, responseBody: null, error: 'ECONNRESET' }));
        await store.recordCall(call({ at: T0 + 5000, attempt: 2, status: 201, responseBody: '{"id":7}' }));

        const calls = await store.listCalls({ now: T0, runId: event.runId });
        assert.equal(calls.length, 2);
        const { id, ...first } = calls[0]!;
        assert.equal(typeof id, 'number');
        assert.deepEqual(first, call({}));
        assert.deepEqual(calls.map((recorded) => recorded.attempt), [1, 2]);
        assert.equal((await store.listCalls({ now: T0 })).length, 3);
        assert.equal((await store.listCalls({ now: T0, limit: 1 })).length, 1);
        assert.deepEqual(await store.listCalls({ now: T0, runId: 'run_none' }), []);
      });

      describe('a call recorded before its request leaves', () => {
        const request = (runId: string, fields: Partial<CallRequestRecord> = {}): CallRequestRecord => ({
          at: T0 + 1,
          flowId: 'orders',
          runId,
          stepPath: 'post',
          attempt: 1,
          method: 'POST',
          url: 'https://erp.example.com/orders',
          requestHeaders: { 'idempotency-key': 'weft-sent' },
          requestBody: '{"order":1}',
          ...fields,
        });
        const created: CallAnswer = { status: 201, durationMs: 40, responseHeaders: { 'content-type': 'application/json' }, responseBody: '{"id":7}', error: null };
        const noAnswer: CallAnswer = { status: null, durationMs: 0, responseHeaders: {}, responseBody: null, error: null };

        it('reads as in flight while the run holds its claim, as interrupted once taken over; the re-send is the next attempt', async () => {
          const event = await ingestRun();
          await claimOne(event.runId);
          const sent = request(event.runId);
          const begun = await store.beginEffect({ key: 'weft-sent', runId: event.runId, stepPath: 'post', now: T0 + 1, call: sent });
          assert.equal(begun.effect.status, 'pending');
          assert.equal(begun.call?.attempt, 1);
          const firstId = begun.call.id;
          assert.deepEqual(await store.listCalls({ runId: event.runId, now: T0 + 1 }), [{ id: firstId, ...sent, ...noAnswer, error: NO_ANSWER_YET, unanswered: 'in-flight' }]);

          // The process stops with the request out: its lease expires and another worker takes the run over.
          await claimOne(event.runId, { now: T0 + LEASE_MS });
          const interrupted = { id: firstId, ...sent, ...noAnswer, error: NO_ANSWER_RECORDED, unanswered: 'interrupted' };
          assert.deepEqual(await store.listCalls({ runId: event.runId, now: T0 + LEASE_MS }), [interrupted]);
          assert.deepEqual((await store.operations.pageCalls({ limit: 9, runId: event.runId, now: T0 + LEASE_MS })).items, [interrupted]);

          const resent = request(event.runId, { at: T0 + LEASE_MS + 1 });
          const again = await store.beginEffect({ key: 'weft-sent', runId: event.runId, stepPath: 'post', now: T0 + LEASE_MS + 1, call: resent });
          assert.equal(again.effect.status, 'pending');
          assert.equal(again.call?.attempt, 2, 'not a fresh first attempt');
          await store.completeCall({ ...resent, attempt: 2, id: again.call.id, ...created });
          assert.deepEqual(await store.listCalls({ runId: event.runId, now: T0 + LEASE_MS + 1 }), [interrupted, { id: again.call.id, ...resent, attempt: 2, ...created }]);
        });

        it('reads as interrupted once the lease of its claim has expired, though no one has claimed the run since', async () => {
          const event = await ingestRun();
          const run = await claimOne(event.runId);
          const sent = request(event.runId);
          const started = await store.startCall(sent);
          const inFlight = { id: started.id, ...sent, ...noAnswer, error: NO_ANSWER_YET, unanswered: 'in-flight' };
          const interrupted = { ...inFlight, error: NO_ANSWER_RECORDED, unanswered: 'interrupted' };
          assert.deepEqual(await store.listCalls({ runId: run.id, now: T0 + LEASE_MS - 1 }), [inFlight]);

          // The process was killed: nothing renews the lease, and the run keeps its fence until a worker claims it.
          assert.deepEqual(await store.listCalls({ runId: run.id, now: T0 + LEASE_MS }), [interrupted]);
          assert.deepEqual((await store.operations.pageCalls({ limit: 9, runId: run.id, now: T0 + LEASE_MS })).items, [interrupted]);
          assert.deepEqual((await store.listCalls({ now: T0 + LEASE_MS })).map((call) => call.unanswered), ['interrupted']);

          // A live worker renews its lease in time: its request is still out.
          assert.equal(await store.renewLease(run.id, run.fence, T0 + 2 * LEASE_MS), true);
          assert.deepEqual(await store.listCalls({ runId: run.id, now: T0 + LEASE_MS }), [inFlight]);
          assert.deepEqual((await store.operations.pageCalls({ limit: 9, runId: run.id, now: T0 + LEASE_MS })).items, [inFlight]);
        });

        it('takes the time its request left from its answer: the record was started before a commit, a connection or a rate limit', async () => {
          const event = await ingestRun();
          await claimOne(event.runId);
          const sent = request(event.runId);
          const started = await store.startCall(sent);
          await store.completeCall({ ...sent, at: T0 + 250, id: started.id, ...created });
          const answered = { id: started.id, ...sent, at: T0 + 250, ...created };
          assert.deepEqual(await store.listCalls({ runId: event.runId, now: T0 + 300 }), [answered]);
          assert.deepEqual((await store.operations.pageCalls({ limit: 9, runId: event.runId, now: T0 + 300 })).items, [answered]);
        });

        it('records no request with the intent of a done effect, and forgets one that did not leave', async () => {
          const event = await ingestRun();
          const run = await claimOne(event.runId);
          await store.checkpoint(run.id, run.fence, { path: 'post', output: { id: 7 }, outcome: 'done' }, { effectKey: 'weft-done', now: T0 + 1 });
          const begun = await store.beginEffect({ key: 'weft-done', runId: run.id, stepPath: 'post', now: T0 + 2, call: request(run.id) });
          assert.equal(begun.effect.status, 'done');
          assert.equal(begun.call, undefined);

          const held = await store.startCall(request(run.id, { stepPath: 'next' }));
          await store.discardCall(held.id);
          assert.deepEqual(await store.listCalls({ runId: run.id, now: T0 + 2 }), []);
        });

        it('keeps the attempt for requests of one claim, and completes a call whose run was taken over meanwhile', async () => {
          const event = await ingestRun();
          await claimOne(event.runId);
          // A connector action's pages: several requests of one attempt.
          const firstPage = await store.startCall(request(event.runId, { connection: 'erp' }));
          const secondPage = await store.startCall(request(event.runId, { connection: 'erp', url: 'https://erp.example.com/orders?page=2' }));
          assert.deepEqual([firstPage.attempt, secondPage.attempt], [1, 1]);
          await store.completeCall({ ...request(event.runId, { connection: 'erp' }), id: firstPage.id, ...created });

          await claimOne(event.runId, { now: T0 + LEASE_MS });
          // The first worker was slow, not dead: what it sent and got back is a fact, whoever owns the run now.
          await store.completeCall({ ...request(event.runId, { connection: 'erp', url: 'https://erp.example.com/orders?page=2' }), id: secondPage.id, ...created });
          const calls = await store.listCalls({ runId: event.runId, now: T0 + LEASE_MS });
          assert.deepEqual(calls.map((call) => [call.id, call.status, call.unanswered]), [[firstPage.id, 201, undefined], [secondPage.id, 201, undefined]]);
        });

        it('counts a call without an answer neither as a success nor as a failure of its connection', async () => {
          const event = await ingestRun();
          await claimOne(event.runId);
          const started = await store.startCall(request(event.runId, { connection: 'erp' }));
          assert.deepEqual(await store.operations.connectionActivity(), [{ connection: 'erp', lastSuccessAt: null, lastFailureAt: null }]);
          assert.deepEqual((await store.operations.summary({ since: T0, now: T0 + 1000 })).byConnection, [{ connection: 'erp', calls: 1, errors: 0 }]);
          assert.deepEqual((await store.operations.pageCalls({ limit: 9, answered: true, now: T0 + 1 })).items, []);
          assert.deepEqual((await store.operations.pageCalls({ limit: 9, answered: false, now: T0 + 1 })).items.map((call) => call.id), [started.id]);
        });
      });

      it('keeps the latest end of a destination hold, and answers it with an effect begun for that destination', async () => {
        const event = await ingestRun();
        let n = 0;
        const holdOf = async (destination?: string) =>
          (await store.beginEffect({ key: `weft-hold-${n++}`, runId: event.runId, stepPath: 'post', now: T0, ...(destination === undefined ? {} : { destination }) }))
            .destinationHold;
        assert.equal(await holdOf('https://erp.example.com'), undefined);
        await store.holdDestination('https://erp.example.com', T0 + 10_000);
        await store.holdDestination('https://erp.example.com', T0 + 5_000);
        assert.equal(await holdOf('https://erp.example.com'), T0 + 10_000);
        await store.holdDestination('https://erp.example.com', T0 + 20_000);
        assert.equal(await holdOf('https://erp.example.com'), T0 + 20_000);
        assert.equal(await holdOf('https://crm.example.com'), undefined);
        assert.equal(await holdOf(), undefined, 'no destination asked, none answered');
      });
    });

    describe('observability', () => {
      it('reports queue depth per flow, the oldest due run and open exceptions by flow and reason', async (t) => {
        if (store.queueStats === undefined) return t.skip('this store has no queueStats');
        assert.deepEqual(await store.queueStats(T0), { depthByFlow: {}, oldestDueAt: undefined, openExceptions: [] });
        await ingestRun({ receivedAt: T0 + 100 });
        await ingestRun({ receivedAt: T0 + 200 });
        await ingestRun({ flowId: 'invoices', receivedAt: T0 + 300 });
        const failing = await ingestRun({ flowId: 'invoices', receivedAt: T0 + 50 });
        const running = await ingestRun({ receivedAt: T0 + 10 });
        const claimedFailing = await claimOne(failing.runId, { now: T0 + 50, flowIds: ['invoices'], limit: 1 });
        await store.parkException(failing.runId, claimedFailing.fence, exceptionFor(T0 + 60, { reason: 'auth' }));
        const claimedRunning = await claimOne(running.runId, { now: T0 + 60, flowIds: ['orders'], limit: 1 });
        assert.equal(claimedRunning.id, running.runId);

        const stats = await store.queueStats(T0 + 250);
        assert.deepEqual(stats.depthByFlow, { orders: 2, invoices: 1 });
        assert.equal(stats.oldestDueAt, T0 + 100, 'the running run and the one not yet due do not count');
        assert.deepEqual(stats.openExceptions, [{ flowId: 'invoices', reason: 'auth', count: 1 }]);
        assert.equal((await store.queueStats(T0 + 50)).oldestDueAt, undefined);
        assert.equal((await claim({ now: T0 + 400 })).length, 3);
        assert.equal((await store.queueStats(T0 + 400)).oldestDueAt, undefined, 'every run is executing');
        assert.equal((await store.queueStats(T0 + 500 + LEASE_MS)).oldestDueAt, T0 + 60 + LEASE_MS, 'an expired lease waits from its expiry');
      });

      it('is ready when its schema is current', async (t) => {
        if (store.readiness === undefined) return t.skip('this store has no readiness');
        assert.deepEqual(await store.readiness(), { status: 'ready' });
      });

      it('opens one incident per rule until it resolves, whoever asks', async (t) => {
        const incidents = store.alertIncidents;
        if (incidents === undefined) return t.skip('this store has no alertIncidents');
        const opened = await Promise.all([1, 2, 3].map((n) => incidents.open('orders-failing', { summary: `asker ${n}`, now: T0 })));
        assert.deepEqual(opened.filter(Boolean).length, 1, 'exactly one opener');
        assert.equal(await incidents.open('orders-failing', { summary: 'later', now: T0 + 1000 }), false);
        assert.equal(await incidents.open('queue-stuck', { summary: 'oldest run 20 min', now: T0 + 2000 }), true);
        assert.deepEqual(
          (await incidents.listOpen()).map((incident) => [incident.ruleId, incident.openedAt]),
          [
            ['orders-failing', T0],
            ['queue-stuck', T0 + 2000],
          ],
        );
        assert.equal(await incidents.resolve('orders-failing', T0 + 3000), true);
        assert.equal(await incidents.resolve('orders-failing', T0 + 3001), false, 'resolved once');
        assert.equal(await incidents.open('orders-failing', { summary: 'again', now: T0 + 4000 }), true, 'a new incident');
        assert.deepEqual((await incidents.listOpen()).map((incident) => incident.summary), ['oldest run 20 min', 'again']);
      });
    });

    describe('management API storage', () => {
      const MINUTE = 60_000;

      async function failRun(fields: Parameters<typeof makeEvent>[0], at: number, exception: Partial<NewException> = {}) {
        const event = await ingestRun({ receivedAt: at, ...fields });
        const run = await claimOne(event.runId, { now: at, limit: 50 });
        const exceptionId = await store.parkException(event.runId, run.fence, exceptionFor(at + 10, exception));
        return { ...event, exceptionId };
      }

      async function completeRun(fields: Parameters<typeof makeEvent>[0], at: number, finishedAt: number) {
        const event = await ingestRun({ receivedAt: at, ...fields });
        const run = await claimOne(event.runId, { now: at, limit: 50 });
        await store.checkpoint(event.runId, run.fence, { path: 'map', output: 1, outcome: 'done' }, { now: at + 1 });
        const resolved = await store.completeRun(event.runId, run.fence, finishedAt);
        return { ...event, resolved };
      }

      it('keeps API tokens as hashes: live ones are found, expired sessions and revoked tokens are not', async () => {
        await store.tokens.create({ id: 'tok_1', name: 'ci', role: 'operator', kind: 'api', hash: 'h1', now: T0 });
        await store.tokens.create({ id: 'ses_1', name: 'admin', role: 'admin', kind: 'session', hash: 'h2', now: T0, expiresAt: T0 + 1000 });
        assert.deepEqual(await store.tokens.findByHash('h1', T0), { id: 'tok_1', name: 'ci', role: 'operator', kind: 'api', createdAt: T0, lastUsedAt: null, expiresAt: null });
        assert.equal((await store.tokens.findByHash('h2', T0 + 999))?.id, 'ses_1');
        assert.equal(await store.tokens.findByHash('h2', T0 + 1000), undefined, 'expired');
        assert.equal(await store.tokens.findByHash('nope', T0), undefined);
        await store.tokens.touch('tok_1', T0 + 5);
        assert.deepEqual(
          (await store.tokens.list()).map((token) => [token.id, token.lastUsedAt]),
          [['tok_1', T0 + 5]],
          'sessions are not listed',
        );
        assert.equal(await store.tokens.revoke('tok_1', T0 + 6), true);
        assert.equal(await store.tokens.revoke('tok_1', T0 + 7), false);
        assert.equal(await store.tokens.findByHash('h1', T0 + 8), undefined);
        assert.deepEqual(await store.tokens.list(), []);
      });

      it('creates a token and its audit entry in one transaction: neither is kept without the other', async () => {
        const audit = { at: T0, actor: 'admin', role: 'admin' as const, action: 'token.create', target: 'tok_1', detail: { name: 'ci', role: 'operator' } };
        await store.tokens.create({ id: 'tok_1', name: 'ci', role: 'operator', kind: 'api', hash: 'h1', now: T0 }, audit);
        assert.equal((await store.tokens.findByHash('h1', T0))?.id, 'tok_1');
        assert.deepEqual((await store.adminAudit.list({ limit: 10 })).items.map(({ id: _id, ...entry }) => entry), [audit]);

        // An audit entry the store refuses (no action: NOT NULL) takes the token with it.
        const refusedAudit = { ...audit, target: 'tok_2', action: null as unknown as string };
        await assert.rejects(store.tokens.create({ id: 'tok_2', name: 'lost', role: 'admin', kind: 'api', hash: 'h2', now: T0 }, refusedAudit));
        assert.equal(await store.tokens.findByHash('h2', T0), undefined, 'the token was not kept');
        // A token the store refuses (its hash is taken) takes its audit entry with it.
        await assert.rejects(store.tokens.create({ id: 'tok_3', name: 'dup', role: 'admin', kind: 'api', hash: 'h1', now: T0 }, { ...audit, target: 'tok_3' }));
        assert.deepEqual((await store.tokens.list()).map((token) => token.id), ['tok_1']);
        assert.deepEqual((await store.adminAudit.list({ limit: 10 })).items.map((entry) => entry.target), ['tok_1'], 'no audit entry of a token not kept');

        // A session with its sign-in's audit, in the same way.
        await store.tokens.create(
          { id: 'ses_1', name: 'admin', role: 'admin', kind: 'session', hash: 'h4', now: T0, expiresAt: T0 + 1000 },
          { at: T0, actor: 'admin', role: 'admin', action: 'session.create', target: 'admin', detail: { expiresAt: T0 + 1000 } },
        );
        assert.equal((await store.tokens.findByHash('h4', T0))?.kind, 'session');
        assert.deepEqual((await store.adminAudit.list({ limit: 10, action: 'session.create' })).items.map((entry) => entry.detail), [{ expiresAt: T0 + 1000 }]);
      });

      it('sets the admin password hash once unless told to replace it', async () => {
        assert.equal(await store.tokens.adminPasswordHash(), undefined);
        assert.equal(await store.tokens.setAdminPasswordHash('scrypt$a', T0), true);
        assert.equal(await store.tokens.setAdminPasswordHash('scrypt$b', T0), false);
        assert.equal(await store.tokens.adminPasswordHash(), 'scrypt$a');
        assert.equal(await store.tokens.setAdminPasswordHash('scrypt$c', T0, { replace: true }), true);
        assert.equal(await store.tokens.adminPasswordHash(), 'scrypt$c');
      });

      it('lists the admin audit newest first, filtered, in pages', async () => {
        for (let i = 0; i < 5; i++) {
          await store.adminAudit.record({ at: T0 + i, actor: i % 2 ? 'ann' : 'bob', role: 'operator', action: i < 3 ? 'exception.replay' : 'exception.discard', target: `exc_${i}`, detail: { i } });
        }
        const first = await store.adminAudit.list({ limit: 2 });
        assert.deepEqual(first.items.map((entry) => entry.target), ['exc_4', 'exc_3']);
        assert.deepEqual(first.items[0]?.detail, { i: 4 });
        const rest = await store.adminAudit.list({ limit: 10, cursor: first.nextCursor! });
        assert.deepEqual(rest.items.map((entry) => entry.target), ['exc_2', 'exc_1', 'exc_0']);
        assert.equal(rest.nextCursor, null);
        assert.deepEqual((await store.adminAudit.list({ limit: 10, actor: 'ann', action: 'exception.replay' })).items.map((entry) => entry.target), ['exc_1']);
      });

      it('remembers which flows are disabled', async () => {
        assert.deepEqual(await store.flowStates.disabled(), []);
        await store.flowStates.setEnabled('orders', false, T0);
        await store.flowStates.setEnabled('invoices', false, T0);
        await store.flowStates.setEnabled('invoices', true, T0 + 1);
        assert.deepEqual(await store.flowStates.disabled(), ['orders']);
      });

      it('pages runs newest first, stable while runs arrive, with filters', async () => {
        const events = [];
        for (let i = 0; i < 5; i++) events.push(await ingestRun({ receivedAt: T0 + i, orderingKey: `order-${i}`, flowId: i === 4 ? 'invoices' : 'orders' }));
        const first = await store.operations.pageRuns({ limit: 2 });
        assert.deepEqual(first.items.map((run) => run.id), [events[4]!.runId, events[3]!.runId]);
        const arrived = await ingestRun({ receivedAt: T0 + 10 });
        const second = await store.operations.pageRuns({ limit: 10, cursor: first.nextCursor! });
        assert.deepEqual(second.items.map((run) => run.id), [events[2]!.runId, events[1]!.runId, events[0]!.runId]);
        assert.equal(second.nextCursor, null);
        assert.deepEqual((await store.operations.pageRuns({ limit: 10, flowId: 'invoices' })).items.map((run) => run.id), [events[4]!.runId]);
        for (const q of [events[1]!.runId, events[1]!.id, 'order-1']) {
          assert.deepEqual((await store.operations.pageRuns({ limit: 10, q })).items.map((run) => run.id), [events[1]!.runId], q);
        }
        await claimOne(events[0]!.runId, { flowIds: ['orders'], limit: 1 });
        assert.deepEqual((await store.operations.pageRuns({ limit: 10, status: 'running' })).items.map((run) => run.id), [events[0]!.runId]);
        await assert.rejects(store.operations.pageRuns({ limit: 1, cursor: 'garbage' }), { code: 'ERR_INVALID_CURSOR' });
        const eventsPage = await store.operations.pageEvents({ limit: 2, flowId: 'orders' });
        assert.equal(eventsPage.items[0]?.id, arrived.id);
        assert.deepEqual(eventsPage.items[1], { id: events[3]!.id, flowId: 'orders', runId: events[3]!.runId, source: 'webhook', receivedAt: T0 + 3, dedupeKey: events[3]!.dedupeKey });
        await assert.rejects(store.operations.pageEvents({ limit: 2, cursor: first.nextCursor! }), { code: 'ERR_INVALID_CURSOR' }, 'a runs cursor is not an events cursor');
      });

      it('pages exceptions oldest first, groups them, and keeps a discard comment', async () => {
        const a = await failRun({ flowId: 'orders' }, T0 + 100, { reason: 'validation' });
        const b = await failRun({ flowId: 'invoices' }, T0 + 200, { reason: 'auth' });
        const c = await failRun({ flowId: 'orders' }, T0 + 300, { reason: 'validation' });
        const first = await store.operations.pageExceptions({ limit: 2 });
        assert.deepEqual(first.items.map((e) => e.id), [a.exceptionId, b.exceptionId]);
        assert.deepEqual((await store.operations.pageExceptions({ limit: 2, cursor: first.nextCursor! })).items.map((e) => e.id), [c.exceptionId]);
        assert.deepEqual((await store.operations.pageExceptions({ limit: 9, flowId: 'orders', reason: 'validation' })).items.map((e) => e.id), [a.exceptionId, c.exceptionId]);
        await store.discardException(a.exceptionId, T0 + 400, 'customer cancelled');
        const discarded = await store.getException(a.exceptionId);
        assert.deepEqual([discarded?.status, discarded?.comment, discarded?.resolvedAt], ['discarded', 'customer cancelled', T0 + 400]);
        assert.deepEqual((await store.operations.pageExceptions({ limit: 9, status: 'open' })).items.map((e) => e.id), [b.exceptionId, c.exceptionId]);
        assert.deepEqual(await store.operations.exceptionGroups({ status: 'open' }), [
          { flowId: 'invoices', reason: 'auth', count: 1, oldestAt: T0 + 210 },
          { flowId: 'orders', reason: 'validation', count: 1, oldestAt: T0 + 310 },
        ]);
        assert.equal((await store.operations.exceptionGroups({})).find((g) => g.flowId === 'orders')?.count, 2);
      });

      it('resolves the open exceptions of the same record when a later run of the flow completes', async () => {
        const stale = await failRun({ orderingKey: 'order-7' }, T0);
        const otherRecord = await failRun({ orderingKey: 'order-8' }, T0 + 1);
        const otherFlow = await failRun({ flowId: 'invoices', orderingKey: 'order-7' }, T0 + 2);
        const later = await completeRun({ orderingKey: 'order-7' }, T0 + 100, T0 + 150);
        assert.deepEqual(later.resolved, [stale.exceptionId]);
        const resolved = await store.getException(stale.exceptionId);
        assert.deepEqual([resolved?.status, resolved?.resolvedAt], ['resolved', T0 + 150]);
        assert.equal((await store.getException(otherRecord.exceptionId))?.status, 'open');
        assert.equal((await store.getException(otherFlow.exceptionId))?.status, 'open');
        assert.deepEqual((await completeRun({ orderingKey: 'order-7' }, T0 + 200, T0 + 250)).resolved, [], 'only open ones');
        await assert.rejects(store.replayException(stale.exceptionId, { now: T0 + 300 }), NotReplayableError);
      });

      it('leaves the exceptions of later runs open when a replayed earlier run of the record completes', async () => {
        const older = await failRun({ orderingKey: 'order-11' }, T0);
        const newer = await failRun({ orderingKey: 'order-11' }, T0 + 1);
        await store.replayException(older.exceptionId, { now: T0 + 50 });
        const replayed = await claimOne(older.runId, { now: T0 + 60 });
        assert.deepEqual(await store.completeRun(older.runId, replayed.fence, T0 + 70), []);
        assert.equal((await store.getException(newer.exceptionId))?.status, 'open', 'the newer event was never processed');
        assert.deepEqual(await store.replayException(newer.exceptionId, { now: T0 + 80 }), { runId: newer.runId });
      });

      it('resolves by dedupe key when the runs have no ordering key', async () => {
        const stale = await failRun({ dedupeKey: 'order-9' }, T0);
        const otherRecord = await failRun({ dedupeKey: 'order-10' }, T0 + 1);
        // The same delivery again is a duplicate, not a run: a later run of the record comes from a replay.
        await store.replayException(stale.exceptionId, { now: T0 + 50 });
        const [replayed] = await store.claimRuns({ workerId: 'w1', now: T0 + 60, leaseMs: 30_000, limit: 50, flowIds: ['orders'], flowConcurrency: {} });
        assert.equal(replayed?.id, stale.runId);
        assert.deepEqual(await store.completeRun(stale.runId, replayed!.fence, T0 + 70), [], 'a replay already closed its own exception');
        assert.equal((await store.getException(otherRecord.exceptionId))?.status, 'open');
      });

      it('pages calls newest first by connection, status class, text and time', async () => {
        const call = (fields: Partial<NewCallRecord>): NewCallRecord => ({
          at: T0,
          flowId: 'orders',
          runId: 'run_x',
          stepPath: 'post',
          attempt: 1,
          method: 'POST',
          url: 'https://erp.example.com/orders',
          status: 201,
          durationMs: 10,
          requestHeaders: {},
          requestBody: '{"order":"A-100"}',
          responseHeaders: {},
          responseBody: null,
          error: null,
          ...fields,
        });
        await store.recordCall(call({ at: T0, connection: 'erp' }));
        await store.recordCall(call({ at: T0 + 10, connection: 'erp', status: 503, requestBody: '{"order":"B-200"}' }));
        await store.recordCall(call({ at: T0 + 20, status: null, error: 'ECONNRESET', requestBody: null, url: 'https://crm.example.com/c/A-100%_' }));
        const all = await store.operations.pageCalls({ now: T0, limit: 2 });
        assert.deepEqual(all.items.map((c) => c.at), [T0 + 20, T0 + 10]);
        assert.deepEqual((await store.operations.pageCalls({ now: T0, limit: 2, cursor: all.nextCursor! })).items.map((c) => c.at), [T0]);
        assert.deepEqual((await store.operations.pageCalls({ now: T0, limit: 9, connection: 'erp' })).items.map((c) => [c.at, c.connection]), [[T0 + 10, 'erp'], [T0, 'erp']]);
        assert.deepEqual((await store.operations.pageCalls({ now: T0, limit: 9, status: '5xx' })).items.map((c) => c.at), [T0 + 10]);
        assert.deepEqual((await store.operations.pageCalls({ now: T0, limit: 9, status: 'error' })).items.map((c) => c.at), [T0 + 20]);
        assert.deepEqual((await store.operations.pageCalls({ now: T0, limit: 9, q: 'A-100' })).items.map((c) => c.at), [T0 + 20, T0]);
        assert.deepEqual((await store.operations.pageCalls({ now: T0, limit: 9, q: '%_' })).items.map((c) => c.at), [T0 + 20], 'wildcards match themselves');
        assert.deepEqual((await store.operations.pageCalls({ now: T0, limit: 9, from: T0 + 5, to: T0 + 15 })).items.map((c) => c.at), [T0 + 10]);
        assert.deepEqual(await store.operations.connectionActivity(), [{ connection: 'erp', lastSuccessAt: T0, lastFailureAt: T0 + 10 }]);
      });

      it('summarises activity per minute: events in, completions with latency percentiles, exceptions', async () => {
        const start = T0 + 10 * MINUTE;
        await completeRun({}, start, start + 100);
        await completeRun({}, start + 1000, start + 1300);
        await completeRun({ flowId: 'invoices' }, start + MINUTE, start + MINUTE + 50);
        await failRun({}, start + MINUTE + 5, { reason: 'auth' });
        await ingestRun({ receivedAt: start - MINUTE });
        await store.recordCall({ at: start, flowId: 'orders', runId: 'r', stepPath: 's', attempt: 1, method: 'GET', url: 'u', status: 500, durationMs: 1, requestHeaders: {}, requestBody: null, responseHeaders: {}, responseBody: null, error: null, connection: 'erp' });
        const summary = await store.operations.summary({ since: start, now: start + MINUTE + 59_000 });
        assert.deepEqual(summary.perMinute, [
          { minute: start, eventsIn: 2, runsCompleted: 2, exceptions: 0, p50Ms: 100, p99Ms: 300 },
          { minute: start + MINUTE, eventsIn: 2, runsCompleted: 1, exceptions: 1, p50Ms: 50, p99Ms: 50 },
        ]);
        assert.equal(summary.successRate, 3 / 4);
        assert.deepEqual(summary.openExceptionsByReason, { auth: 1 });
        assert.deepEqual(summary.byFlow, [
          { flowId: 'invoices', eventsIn: 1, completed: 1, exceptions: 0 },
          { flowId: 'orders', eventsIn: 3, completed: 2, exceptions: 1 },
        ]);
        assert.deepEqual(summary.byConnection, [{ connection: 'erp', calls: 1, errors: 1 }]);
        const times = await store.operations.checkpointTimes((await store.operations.pageRuns({ limit: 1, status: 'succeeded' })).items[0]!.id);
        assert.deepEqual(times, [{ path: 'map', outcome: 'done', at: start + MINUTE + 1 }]);
      });
    });

    describe('bulk jobs', () => {
      const newJob = (id: string, exceptionIds: string[], now = T0) => ({ id, action: 'replay' as const, exceptionIds, startedBy: 'ops-ann', now });
      const claimJob = (owner: string, now = T0) => store.bulkJobs.claim({ owner, now, leaseMs: LEASE_MS });
      const progress = (job: BulkJob | undefined) => job && { done: job.done, failed: job.failed, finishedAt: job.finishedAt, leaseOwner: job.leaseOwner, fence: job.fence };

      it('keeps a job with its items, in order, and its audit entry in one write; a job without items is finished at once', async () => {
        const audit = { at: T0, actor: 'ops-ann', role: 'operator' as const, action: 'exceptions.bulk_discard', target: 'job_1', detail: { total: 3 } };
        const created = await store.bulkJobs.create({ ...newJob('job_1', ['exc_c', 'exc_a', 'exc_b']), action: 'discard', comment: 'test orders' }, audit);
        const expected: BulkJob = {
          id: 'job_1',
          action: 'discard',
          comment: 'test orders',
          startedBy: 'ops-ann',
          total: 3,
          done: 0,
          failed: 0,
          createdAt: T0,
          finishedAt: null,
          leaseOwner: null,
          leaseExpiresAt: null,
          fence: 0,
        };
        assert.deepEqual(created, expected);
        assert.deepEqual(await store.bulkJobs.get('job_1'), expected);
        assert.deepEqual(
          await store.bulkJobs.pendingItems('job_1', -1, 10),
          ['exc_c', 'exc_a', 'exc_b'].map((exceptionId, position) => ({ position, exceptionId, begun: false })),
        );
        assert.deepEqual((await store.bulkJobs.pendingItems('job_1', 0, 1)).map((item) => item.exceptionId), ['exc_a'], 'after a position, at most the limit');
        assert.deepEqual((await store.adminAudit.list({ limit: 10 })).items.map((entry) => entry.target), ['job_1']);

        const empty = await store.bulkJobs.create(newJob('job_empty', [], T0 + 1));
        assert.deepEqual(progress(empty), { done: 0, failed: 0, finishedAt: T0 + 1, leaseOwner: null, fence: 0 });
        assert.equal(await store.bulkJobs.get('job_nope'), undefined);
        await store.close();
        const reopened = await harness.reopen();
        assert.deepEqual(await reopened.bulkJobs.get('job_1'), expected, 'kept across a restart');
      });

      it('claims the oldest unfinished job nobody holds; a held job only once its lease has expired, with the next fence', async () => {
        await store.bulkJobs.create(newJob('job_old', ['exc_1']));
        await store.bulkJobs.create(newJob('job_new', ['exc_2'], T0 + 1));
        assert.equal(await store.bulkJobs.create(newJob('job_done', [], T0 - 1)).then((job) => job.finishedAt), T0 - 1);

        const first = await claimJob('worker-a');
        assert.deepEqual([first?.id, first?.leaseOwner, first?.leaseExpiresAt, first?.fence], ['job_old', 'worker-a', T0 + LEASE_MS, 1]);
        assert.equal((await claimJob('worker-b'))?.id, 'job_new');
        assert.equal(await claimJob('worker-c', T0 + LEASE_MS - 1), undefined, 'both are held, the finished one is never claimed');

        // worker-a died: its lease runs out and another process takes the job over.
        const takenOver = await claimJob('worker-c', T0 + LEASE_MS);
        assert.deepEqual([takenOver?.id, takenOver?.leaseOwner, takenOver?.fence], ['job_old', 'worker-c', 2]);
      });

      it('gives a job to one of two processes claiming it at once', async () => {
        await store.bulkJobs.create(newJob('job_1', ['exc_1']));
        const claims = await Promise.all(['worker-a', 'worker-b', 'worker-c'].map((owner) => claimJob(owner)));
        assert.equal(claims.filter((job) => job !== undefined).length, 1);
        assert.equal((await store.bulkJobs.get('job_1'))?.fence, 1);
      });

      it('counts each item once, failed ones among the done, and finishes the job with its last item', async () => {
        await store.bulkJobs.create(newJob('job_1', ['exc_1', 'exc_2', 'exc_3']));
        const { fence } = (await claimJob('worker-a'))!;
        for (const position of [0, 1]) await store.bulkJobs.beginItem('job_1', fence, position, T0 + LEASE_MS);
        assert.deepEqual(progress(await store.bulkJobs.recordItem('job_1', fence, 0, 'done', T0 + 1)), { done: 1, failed: 0, finishedAt: null, leaseOwner: 'worker-a', fence: 1 });
        assert.deepEqual(progress(await store.bulkJobs.recordItem('job_1', fence, 1, 'failed', T0 + 2)), { done: 2, failed: 1, finishedAt: null, leaseOwner: 'worker-a', fence: 1 });
        await assert.rejects(store.bulkJobs.recordItem('job_1', fence, 1, 'done', T0 + 3), /no item 1 without an outcome/);
        assert.deepEqual(progress(await store.bulkJobs.get('job_1')), { done: 2, failed: 1, finishedAt: null, leaseOwner: 'worker-a', fence: 1 }, 'a second outcome counts nothing');
        assert.deepEqual((await store.bulkJobs.pendingItems('job_1', -1, 10)).map((item) => item.exceptionId), ['exc_3']);

        await store.bulkJobs.beginItem('job_1', fence, 2, T0 + LEASE_MS);
        const finished = await store.bulkJobs.recordItem('job_1', fence, 2, 'done', T0 + 4);
        assert.deepEqual(progress(finished), { done: 3, failed: 1, finishedAt: T0 + 4, leaseOwner: null, fence: 1 });
        assert.equal(finished.leaseExpiresAt, null);
        assert.deepEqual(await store.bulkJobs.pendingItems('job_1', -1, 10), []);
        assert.equal(await claimJob('worker-b', T0 + 10 * LEASE_MS), undefined, 'a finished job is never claimed again');
        assert.equal(await store.bulkJobs.release('job_1', fence), false);
      });

      it('fences a claim taken over: its begin, record and release change nothing', async () => {
        await store.bulkJobs.create(newJob('job_1', ['exc_1', 'exc_2']));
        const stale = (await claimJob('worker-a'))!;
        await store.bulkJobs.beginItem('job_1', stale.fence, 0, T0 + LEASE_MS);
        const current = (await claimJob('worker-b', T0 + LEASE_MS))!;
        assert.equal(current.fence, stale.fence + 1);

        await assert.rejects(store.bulkJobs.beginItem('job_1', stale.fence, 1, T0 + 3 * LEASE_MS), JobLeaseLostError);
        await assert.rejects(store.bulkJobs.recordItem('job_1', stale.fence, 0, 'done', T0 + LEASE_MS + 1), JobLeaseLostError);
        assert.equal(await store.bulkJobs.release('job_1', stale.fence), false);
        assert.deepEqual(progress(await store.bulkJobs.get('job_1')), { done: 0, failed: 0, finishedAt: null, leaseOwner: 'worker-b', fence: 2 });
        assert.equal((await store.bulkJobs.get('job_1'))?.leaseExpiresAt, T0 + 2 * LEASE_MS, "the stale begin did not extend the holder's lease");
        assert.deepEqual(
          await store.bulkJobs.pendingItems('job_1', -1, 10),
          [
            { position: 0, exceptionId: 'exc_1', begun: true },
            { position: 1, exceptionId: 'exc_2', begun: false },
          ],
          'the item the stale claim began is reported begun; the one it was refused is not',
        );
      });

      it('extends the lease as each item begins, and takes back a job handed back at once', async () => {
        await store.bulkJobs.create(newJob('job_1', ['exc_1', 'exc_2']));
        const first = (await claimJob('worker-a'))!;
        await store.bulkJobs.beginItem('job_1', first.fence, 0, T0 + 3 * LEASE_MS);
        assert.equal(await claimJob('worker-b', T0 + 2 * LEASE_MS), undefined, 'the lease was extended by the begin');
        await store.bulkJobs.recordItem('job_1', first.fence, 0, 'done', T0 + 2 * LEASE_MS);

        // A shutdown hands the job back: the next process claims it without waiting for the lease.
        assert.equal(await store.bulkJobs.release('job_1', first.fence), true);
        assert.deepEqual(progress(await store.bulkJobs.get('job_1')), { done: 1, failed: 0, finishedAt: null, leaseOwner: null, fence: 1 });
        await assert.rejects(store.bulkJobs.beginItem('job_1', first.fence, 1, T0 + 4 * LEASE_MS), JobLeaseLostError, 'handed back: the old claim holds nothing');
        const resumed = await claimJob('worker-b', T0 + 2 * LEASE_MS + 1);
        assert.deepEqual([resumed?.leaseOwner, resumed?.fence, resumed?.done], ['worker-b', 2, 1]);
        assert.deepEqual(await store.bulkJobs.pendingItems('job_1', -1, 10), [{ position: 1, exceptionId: 'exc_2', begun: false }]);
      });
    });

    describe('retention', () => {
      const DAY = 86_400_000;
      /** Runs that finished before this go; the runs below finish around T0. */
      const CUTOFF = T0 + 30 * DAY;
      const NOTHING = { runs: 0, events: 0, checkpoints: 0, effects: 0, exceptions: 0, xrefCreations: 0, calls: 0, bulkJobs: 0, bulkJobItems: 0 };

      /** The audit record of a call a run's step sends at `at`. */
      const callOf = (event: NewEvent, at: number): CallRequestRecord => ({
        at,
        flowId: event.flowId,
        runId: event.runId,
        stepPath: 'post',
        attempt: 1,
        method: 'POST',
        url: 'https://erp.example.com/customers',
        requestHeaders: {},
        requestBody: '{"email":"a@example.com"}',
      });

      /**
       * A claimed run that has done a call step: its effect created a customer (linked, the creation
       * recorded), its call is audited and answered, its checkpoint marks the effect done.
       */
      async function runWithCallStep(fields: Parameters<typeof makeEvent>[0] = {}): Promise<{ event: NewEvent; fence: number; effectKey: string }> {
        const event = await ingestRun(fields);
        const { fence } = await claimOne(event.runId, { now: event.receivedAt, flowIds: [event.flowId], limit: 1 });
        const effectKey = `effect-${event.runId}`;
        const call = callOf(event, event.receivedAt + 1);
        const begun = await store.beginEffect({ key: effectKey, runId: event.runId, stepPath: 'post', now: event.receivedAt + 1, call });
        await store.completeCall({ ...call, id: begun.call!.id, status: 201, durationMs: 5, responseHeaders: {}, responseBody: '{"id":"C-1"}', error: null });
        await store.xref.link('customer', { system: 'shop', id: event.runId }, { system: 'erp', id: `C-${event.runId}` }, event.receivedAt + 2, { effectKey, record: { id: `C-${event.runId}` } });
        await store.checkpoint(event.runId, fence, { path: 'post', output: { id: `C-${event.runId}` }, outcome: 'done' }, { effectKey, now: event.receivedAt + 3 });
        return { event, fence, effectKey };
      }

      async function succeededRun(fields: Parameters<typeof makeEvent>[0] = {}, finishedAt = (fields.receivedAt ?? T0) + 1000): Promise<NewEvent> {
        const { event, fence } = await runWithCallStep(fields);
        await store.completeRun(event.runId, fence, finishedAt);
        return event;
      }

      async function parkedRun(fields: Parameters<typeof makeEvent>[0] = {}, finishedAt = (fields.receivedAt ?? T0) + 1000): Promise<{ event: NewEvent; exceptionId: string }> {
        const { event, fence } = await runWithCallStep(fields);
        const exceptionId = await store.parkException(event.runId, fence, exceptionFor(finishedAt, { reason: 'destination-down', stepPath: 'notify' }));
        return { event, exceptionId };
      }

      it('prunes terminal runs finished before the cutoff with their checkpoints, effects, creations, calls, closed exceptions and events', async () => {
        const succeeded = await succeededRun();
        const discarded = await parkedRun();
        await store.discardException(discarded.exceptionId, T0 + 2000, 'sent by hand');

        const { counts, yieldedToAnother } = await store.retention.prune({ runsFinishedBefore: CUTOFF });
        assert.deepEqual(counts, { ...NOTHING, runs: 2, events: 2, checkpoints: 2, effects: 2, exceptions: 1, xrefCreations: 2, calls: 2 });
        assert.equal(yieldedToAnother, false);
        for (const event of [succeeded, discarded.event]) {
          assert.equal(await store.getRun(event.runId), undefined);
          assert.equal(await store.getEffect(`effect-${event.runId}`), undefined);
          assert.equal(await store.xref.creationOf(`effect-${event.runId}`), undefined);
          assert.deepEqual(await store.listCalls({ runId: event.runId, now: CUTOFF }), []);
          // Cross-references are business data: the records the runs linked stay linked.
          assert.ok(await store.xref.find('customer', { system: 'shop', id: event.runId }));
        }
        assert.equal(await store.getException(discarded.exceptionId), undefined);
        assert.deepEqual((await store.operations.pageEvents({ limit: 10 })).items, []);
        // The event went with its run: a delivery of the same dedupe key is new again (why retention is at least 7 days).
        assert.equal((await store.ingest(makeEvent({ dedupeKey: `delivery-${succeeded.id.slice('evt_'.length)}`, receivedAt: CUTOFF }))).status, 'accepted');
      });

      it('keeps runs on their way, runs with an open exception, and runs finished since the cutoff, with their rows', async () => {
        const open = await parkedRun();
        const finishedSince = await succeededRun({}, CUTOFF);
        const running = await runWithCallStep();
        const waiting = await runWithCallStep();
        await store.scheduleRetry(waiting.event.runId, waiting.fence, { stepPath: 'notify', dueAt: CUTOFF + DAY, now: T0 + 5, error: 'HTTP 503' });
        const queued = await ingestRun();
        const young = await succeededRun({ flowId: 'invoices', receivedAt: CUTOFF + 1 });

        // Of all their rows, only the old call of the run finished since the cutoff goes (the calls cutoff).
        assert.deepEqual((await store.retention.prune({ runsFinishedBefore: CUTOFF, callsBefore: CUTOFF })).counts, { ...NOTHING, calls: 1 });
        assert.deepEqual(await store.listCalls({ runId: finishedSince.runId, now: CUTOFF }), []);
        for (const runId of [open.event.runId, running.event.runId, waiting.event.runId, queued.runId, finishedSince.runId, young.runId]) {
          assert.ok(await store.getRun(runId), runId);
        }
        assert.equal((await store.getException(open.exceptionId))?.status, 'open');
        // Everything an operator replaying it needs: its checkpoint, its effect and creation, its calls.
        assert.equal((await store.getRun(open.event.runId))?.checkpoints.length, 1);
        assert.equal((await store.getEffect(`effect-${open.event.runId}`))?.status, 'done');
        assert.ok(await store.xref.creationOf(`effect-${open.event.runId}`));
        assert.equal((await store.listCalls({ runId: open.event.runId, now: CUTOFF })).length, 1);
        assert.equal((await store.listCalls({ runId: running.event.runId, now: CUTOFF })).length, 1);
        assert.equal((await store.listCalls({ runId: waiting.event.runId, now: CUTOFF })).length, 1);
      });

      it("keeps a reconcile hand-over's run and event whatever its age, while the old run beside it goes; the calls cutoff still takes its calls", async () => {
        // Hand-over #1 of a record, parked for a person (onMissing: exception) and discarded: terminal, nothing open.
        const parked = makeEvent({ flowId: 'repair', dedupeKey: `${HAND_OVER_DEDUPE_KEY_PREFIX}repair:customer:shop:7003` });
        const parkedOutcome = await store.ingestParked(parked, exceptionFor(T0, { reason: 'not-found', stepPath: 'reconcile' }));
        assert.ok(parkedOutcome.status === 'accepted');
        await store.discardException(parkedOutcome.exceptionId, T0 + 1000, 'false alarm');
        // Hand-over #2 of another record, re-driven (onMissing: redrive): its repair made a call and succeeded.
        const redriven = await succeededRun({ flowId: 'repair', dedupeKey: `${HAND_OVER_DEDUPE_KEY_PREFIX}repair:customer:shop#2:7005` });
        const ordinary = await succeededRun();

        const { counts } = await store.retention.prune({ runsFinishedBefore: CUTOFF, callsBefore: CUTOFF });
        assert.deepEqual(counts, { ...NOTHING, runs: 1, events: 1, checkpoints: 1, effects: 1, exceptions: 0, xrefCreations: 1, calls: 2 });
        assert.equal(await store.getRun(ordinary.runId), undefined);
        // The reconcile step's probe of the numbered keys still meets both hand-overs, and reads them as closed.
        for (const handOver of [parked, redriven]) {
          assert.deepEqual(await store.ingest(makeEvent({ flowId: 'repair', dedupeKey: handOver.dedupeKey, receivedAt: CUTOFF })), { status: 'duplicate', eventId: handOver.id, runId: handOver.runId });
        }
        assert.equal((await store.getRun(parked.runId))?.status, 'exception');
        assert.equal((await store.getException(parkedOutcome.exceptionId))?.status, 'discarded');
        const kept = await store.getRun(redriven.runId);
        assert.deepEqual([kept?.status, kept?.checkpoints.length], ['succeeded', 1]);
        // Its audited call is audit like any other: gone by the calls cutoff.
        assert.deepEqual(await store.listCalls({ runId: redriven.runId, now: CUTOFF }), []);
      });

      it('prunes in batches of the given size until every old run is gone, past the runs it keeps', async () => {
        const pruned: string[] = [];
        const kept: string[] = [];
        for (let index = 0; index < 7; index += 1) {
          if (index % 3 === 1) kept.push((await parkedRun()).event.runId);
          else pruned.push((await succeededRun()).runId);
        }
        const { counts } = await store.retention.prune({ runsFinishedBefore: CUTOFF, batchSize: 2 });
        assert.equal(counts.runs, pruned.length);
        for (const runId of pruned) assert.equal(await store.getRun(runId), undefined, runId);
        for (const runId of kept) assert.ok(await store.getRun(runId), runId);
      });

      it('prunes calls before their own cutoff, also of runs it keeps, but not of runs on their way or with an open exception', async () => {
        const succeeded = await succeededRun();
        const open = await parkedRun();
        const running = await runWithCallStep();
        const poll = { ...callOf(succeeded, T0 + 5), runId: '', stepPath: 'poll:orders', status: 200, durationMs: 3, responseHeaders: {}, responseBody: '[]', error: null };
        await store.recordCall(poll);
        const later = await store.startCall(callOf(succeeded, CUTOFF + 1));
        await store.completeCall({ ...callOf(succeeded, CUTOFF + 1), id: later.id, status: 200, durationMs: 1, responseHeaders: {}, responseBody: null, error: null });

        const { counts } = await store.retention.prune({ callsBefore: CUTOFF });
        assert.deepEqual(counts, { ...NOTHING, calls: 2 });
        assert.equal((await store.getRun(succeeded.runId))?.status, 'succeeded');
        assert.deepEqual((await store.listCalls({ runId: succeeded.runId, now: CUTOFF })).map((call) => call.at), [CUTOFF + 1]);
        assert.deepEqual((await store.listCalls({ runId: '', now: CUTOFF })), []);
        assert.equal((await store.listCalls({ runId: open.event.runId, now: CUTOFF })).length, 1);
        assert.equal((await store.listCalls({ runId: running.event.runId, now: CUTOFF })).length, 1);
      });

      it('counts on a dry run exactly what the prune then deletes, deleting nothing; a second prune deletes nothing', async () => {
        await succeededRun();
        const resolved = await parkedRun({ orderingKey: 'order-1' });
        await succeededRun({ orderingKey: 'order-1' });
        assert.equal((await store.getException(resolved.exceptionId))?.status, 'resolved');
        await store.recordCall({ ...callOf(resolved.event, T0 + 7), runId: '', status: 200, durationMs: 1, responseHeaders: {}, responseBody: null, error: null });

        const request = { runsFinishedBefore: CUTOFF, callsBefore: CUTOFF };
        const dry = await store.retention.prune({ ...request, dryRun: true });
        assert.deepEqual(dry.counts, { ...NOTHING, runs: 3, events: 3, checkpoints: 3, effects: 3, exceptions: 1, xrefCreations: 3, calls: 4 });
        assert.equal((await store.countRuns()).succeeded, 2, 'a dry run deletes nothing');
        assert.deepEqual((await store.retention.prune(request)).counts, dry.counts);
        assert.deepEqual((await store.retention.prune(request)).counts, NOTHING);
        assert.deepEqual((await store.retention.prune({ ...request, dryRun: true })).counts, NOTHING);
      });

      it('stops between batches once its signal is aborted, keeping what it has not reached', async () => {
        const first = await succeededRun();
        const aborted = new AbortController();
        aborted.abort();
        assert.deepEqual((await store.retention.prune({ runsFinishedBefore: CUTOFF, callsBefore: CUTOFF, signal: aborted.signal })).counts, NOTHING);
        assert.ok(await store.getRun(first.runId));
      });

      it('leaves ordering keys and the auto-resolve of a record as they were', async () => {
        // order-1: an old failure, resolved by the old success after it: both go.
        const resolved = await parkedRun({ orderingKey: 'order-1' });
        await succeededRun({ orderingKey: 'order-1' });
        assert.equal((await store.getException(resolved.exceptionId))?.status, 'resolved');
        // order-2: an old run still waiting holds back the next one.
        const waiting = await runWithCallStep({ orderingKey: 'order-2' });
        await store.scheduleRetry(waiting.event.runId, waiting.fence, { stepPath: 'notify', dueAt: CUTOFF + DAY, now: T0 + 5, error: 'HTTP 503' });
        // order-3: an old failure still open, kept for its replay.
        const open = await parkedRun({ orderingKey: 'order-3' });

        assert.equal((await store.retention.prune({ runsFinishedBefore: CUTOFF })).counts.runs, 2);
        const next = await ingestRun({ orderingKey: 'order-3', receivedAt: CUTOFF });
        const blocked = await ingestRun({ orderingKey: 'order-2', receivedAt: CUTOFF });
        assert.deepEqual(await claimedIds({ now: CUTOFF }), [next.runId], 'order-2 still waits for its waiting run');
        assert.equal((await store.getRun(blocked.runId))?.status, 'queued');
        const { fence } = (await store.getRun(next.runId))!;
        assert.deepEqual(await store.completeRun(next.runId, fence, CUTOFF + 1), [open.exceptionId], "the kept open exception is resolved by its record's next run");
      });

      describe('bulk jobs', () => {
        /** A job created at `createdAt` whose items are all worked, the last at `finishedAt`. */
        async function finishedJob(id: string, exceptionIds: string[], createdAt: number, finishedAt: number): Promise<void> {
          await store.bulkJobs.create({ id, action: 'replay', exceptionIds, startedBy: 'ops-ann', now: createdAt });
          if (exceptionIds.length === 0) return;
          const claimed = await store.bulkJobs.claim({ owner: 'worker-a', now: createdAt, leaseMs: LEASE_MS });
          assert.equal(claimed?.id, id);
          for (const position of exceptionIds.keys()) {
            await store.bulkJobs.beginItem(id, claimed.fence, position, finishedAt + LEASE_MS);
            await store.bulkJobs.recordItem(id, claimed.fence, position, position === 0 ? 'failed' : 'done', finishedAt);
          }
          assert.notEqual((await store.bulkJobs.get(id))?.finishedAt, null);
        }

        it('prunes bulk jobs finished before the runs cutoff with their items, in batches; never one still worked, nor one finished since', async () => {
          // Ids are drawn from the time of creation (newId), so these are in creation order.
          await finishedJob('job_1', ['exc_1', 'exc_2', 'exc_3'], T0, T0 + 1000);
          await finishedJob('job_2', [], T0 + 1, T0 + 1);
          await finishedJob('job_4', ['exc_6'], T0 + 3, CUTOFF);
          await finishedJob('job_5', [], CUTOFF + 1, CUTOFF + 1);
          // Created last, so the claims above took the others; the walk goes by id.
          await store.bulkJobs.create({ id: 'job_3', action: 'discard', comment: 'test orders', exceptionIds: ['exc_4', 'exc_5'], startedBy: 'ops-ann', now: T0 + 2 });

          const request = { runsFinishedBefore: CUTOFF, batchSize: 2 };
          const dry = await store.retention.prune({ ...request, dryRun: true });
          assert.deepEqual(dry.counts, { ...NOTHING, bulkJobs: 2, bulkJobItems: 3 });
          assert.ok(await store.bulkJobs.get('job_1'), 'a dry run deletes nothing');
          // Two items a batch: job_1's third item is deleted by a second batch, then job_1 itself.
          assert.deepEqual((await store.retention.prune(request)).counts, dry.counts);
          for (const id of ['job_1', 'job_2']) assert.equal(await store.bulkJobs.get(id), undefined, id);
          assert.deepEqual(await store.bulkJobs.pendingItems('job_1', -1, 10), []);
          // Still to be worked (an unfinished job is claimable however old), finished since the cutoff, created since.
          assert.deepEqual(
            (await store.bulkJobs.pendingItems('job_3', -1, 10)).map((item) => item.exceptionId),
            ['exc_4', 'exc_5'],
          );
          for (const id of ['job_3', 'job_4', 'job_5']) assert.ok(await store.bulkJobs.get(id), id);
          assert.equal((await store.bulkJobs.claim({ owner: 'worker-b', now: CUTOFF, leaseMs: LEASE_MS }))?.id, 'job_3');
          assert.deepEqual((await store.retention.prune(request)).counts, NOTHING, 'a second prune deletes nothing');
        });

        it('keeps every bulk job when only calls are pruned (retentionRuns off)', async () => {
          await finishedJob('job_1', ['exc_1'], T0, T0 + 1);
          assert.deepEqual((await store.retention.prune({ callsBefore: CUTOFF })).counts, NOTHING);
          assert.ok(await store.bulkJobs.get('job_1'));
        });
      });
    });
  });
}
