import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeOrder } from '../../demo/shop.ts';
import { scratchDatabase, skipWithoutPostgres } from '../../../test/support/postgres.ts';
import { ADMIN_PASSWORD, eventually, startApiWeft, type ApiWeft } from './testing.ts';
import { startParcelWeft } from './testing-parcels.ts';

describe('management API: a bulk action on exactly the exceptions named', () => {
  let weft: ApiWeft;
  let operator: string;
  before(async () => {
    weft = await startApiWeft();
    operator = await weft.tokenFor('operator', 'ops-ann');
  });
  after(async () => weft.stop());

  /** Delivers an order the ERP refuses and answers its open exception's id. */
  const refusedOrder = async (n: number): Promise<string> => {
    await weft.deliver(n, { badSku: true });
    const orderNumber = makeOrder(n).order_number;
    const exceptions = await eventually(
      () => weft.store.listExceptions({ flowId: 'orders', status: 'open' }),
      (open) => open.some((e) => (e.input as { order_number: number }).order_number === orderNumber),
      `the exception of order ${n}`,
    );
    return exceptions.find((e) => (e.input as { order_number: number }).order_number === orderNumber)!.id;
  };
  const statusOf = async (id: string) => (await weft.store.getException(id))?.status;
  const bulk = (body: unknown) => weft.api('POST', '/api/v1/exceptions/bulk', { token: operator, body });
  const finished = (jobId: string) =>
    eventually(
      () => weft.api('GET', `/api/v1/jobs/${jobId}`, { token: operator }),
      (job) => job.body.finishedAt !== null,
      'the job',
    );

  it('discards only the ids sent: one resolved meanwhile is left alone and reported, one that arrived meanwhile stays open', async () => {
    const resolvedMeanwhile = await refusedOrder(1);
    const confirmed = await refusedOrder(2);
    // The operator confirmed these two. Before the request arrives one is closed elsewhere and
    // another exception of the same flow and reason arrives: the count still says 2.
    await weft.store.discardException(resolvedMeanwhile, Date.now(), 'handled by phone');
    const arrivedMeanwhile = await refusedOrder(3);

    const started = await bulk({ action: 'discard', ids: [resolvedMeanwhile, confirmed], comment: 'test orders' });
    assert.equal(started.status, 202, started.text);
    assert.deepEqual({ total: started.body.total, notOpen: started.body.notOpen }, { total: 1, notOpen: [resolvedMeanwhile] });
    const job = await finished(started.body.jobId);
    assert.deepEqual({ done: job.body.done, failed: job.body.failed }, { done: 1, failed: 0 });

    assert.equal(await statusOf(confirmed), 'discarded');
    assert.equal(await statusOf(arrivedMeanwhile), 'open', 'nobody saw it: it is not swept in');
    assert.equal((await weft.store.getException(resolvedMeanwhile))?.comment, 'handled by phone', 'the one closed elsewhere keeps its own comment');
    const audit = await weft.api('GET', '/api/v1/audit?action=exceptions.bulk_discard', { token: operator });
    assert.deepEqual(audit.body.items[0].detail, { ids: [confirmed], notOpen: [resolvedMeanwhile], total: 1, comment: 'test orders' });
  });

  it('refuses a selection that is missing, doubled, empty, too large, repeated or names an unknown exception, and changes nothing', async () => {
    const open = await refusedOrder(10);
    const auditBefore = (await weft.api('GET', '/api/v1/audit?action=exceptions.bulk_replay', { token: operator })).body.items.length;
    // One over the documented limit of 1,000 ids a request.
    const tooMany = Array.from({ length: 1_001 }, (_, index) => `exc_${index}`);
    const refusals: Array<[unknown, string, RegExp]> = [
      [{ action: 'replay' }, 'invalid-selection', /exactly one of ids .* and filter/],
      [{ action: 'replay', ids: [open], filter: { flow: 'orders' } }, 'invalid-selection', /exactly one of ids/],
      [{ action: 'replay', ids: [] }, 'invalid-request', /ids/],
      [{ action: 'replay', ids: tooMany }, 'invalid-request', /ids/],
      [{ action: 'replay', ids: [open, open] }, 'invalid-request', /duplicate/],
      [{ action: 'replay', ids: [open, ''] }, 'invalid-request', /ids/],
      [{ action: 'replay', ids: [open, 'exc_nope'] }, 'unknown-exceptions', /no exception 'exc_nope': nothing was changed/],
    ];
    for (const [body, code, detail] of refusals) {
      const refused = await bulk(body);
      assert.equal(refused.status, 400, JSON.stringify(body).slice(0, 200));
      assert.match(String(refused.headers['content-type']), /problem\+json/);
      assert.equal(refused.body.code, code, refused.text.slice(0, 300));
      assert.match(refused.body.detail, detail);
    }
    assert.equal(await statusOf(open), 'open');
    assert.equal((await weft.api('GET', '/api/v1/audit?action=exceptions.bulk_replay', { token: operator })).body.items.length, auditBefore, 'no job was started');

    // The filter form still works for API users: every open exception matching it.
    const started = await bulk({ action: 'replay', filter: { flow: 'orders', reason: 'validation' } });
    assert.equal(started.status, 202);
    assert.deepEqual({ total: started.body.total, notOpen: started.body.notOpen }, { total: 2, notOpen: [] }, 'order 10 and the one left open earlier');
    await finished(started.body.jobId);
    assert.equal(await statusOf(open), 'replayed');
  });
});

describe('management API: a bulk replay queues each run under the key its flow reads now', () => {
  let parcels: Awaited<ReturnType<typeof startParcelWeft>>;
  before(async () => {
    parcels = await startParcelWeft();
  });
  after(async () => parcels.close());

  it('a refused run gets its key behind the earlier open run of it, a run keyed by an old expression the new key, and one the expression fails on is counted failed and left as it was', async () => {
    const earlier = await parcels.delivered({ id: 'P-1', parcel: 1, hold: true }, 'waiting');
    const refused = await parcels.parkedAtIngest(1, { id: 'P-1', parcel: 1 }, null);
    const keyedBefore = await parcels.parkedAtIngest(3, { id: 'P-3', parcel: 3 }, 'P-3');
    const unreadable = await parcels.parkedAtIngest(9, { id: 'P-9', parcel: 'nine' }, null);

    const started = await parcels.api('POST', '/api/v1/exceptions/bulk', { action: 'replay', ids: [refused.exceptionId, keyedBefore.exceptionId, unreadable.exceptionId] });
    assert.equal(started.status, 202, started.text);
    const job = await eventually(() => parcels.api('GET', `/api/v1/jobs/${started.body.jobId}`), (answer) => answer.body.finishedAt !== null, 'the job');
    assert.deepEqual({ done: job.body.done, failed: job.body.failed }, { done: 3, failed: 1 });

    assert.equal((await parcels.weft.store.getRun(refused.runId))?.orderingKey, '1');
    assert.equal((await parcels.weft.store.getRun(keyedBefore.runId))?.orderingKey, '3');
    assert.equal((await parcels.weft.store.getException(unreadable.exceptionId))?.status, 'open', 'not replayed without a key');
    const left = await parcels.weft.store.getRun(unreadable.runId);
    assert.deepEqual([left?.status, left?.orderingKey], ['exception', null]);

    // A parcel of another record, delivered after the job, runs to its end meanwhile.
    await parcels.delivered({ id: 'P-2', parcel: 2 }, 'succeeded');
    assert.deepEqual(
      [(await parcels.weft.store.getRun(refused.runId))?.status, (await parcels.weft.store.getRun(earlier))?.status],
      ['queued', 'waiting'],
      'not claimed while the earlier run of parcel 1 is open',
    );
  });
});

describe('management API: a bulk job on PostgreSQL is one job for every process', { skip: skipWithoutPostgres }, () => {
  let database: { url: string; drop(): Promise<void> };
  let first: ApiWeft;
  let second: ApiWeft;
  before(async () => {
    database = await scratchDatabase('weft_bulk_jobs');
    // Two `weft start` processes behind one load balancer, sharing the database.
    first = await startApiWeft({ overrides: { database: database.url } });
    second = await startApiWeft({ overrides: { database: database.url } });
  });
  after(async () => {
    await first?.stop();
    await second?.stop();
    await database?.drop();
  });

  it('answers the progress of a job started through one process from another', async () => {
    const operator = await first.tokenFor('operator', 'ops-ann');
    for (let n = 1; n <= 3; n++) await first.deliver(n, { badSku: true });
    const open = await eventually(() => first.store.listExceptions({ flowId: 'orders', status: 'open' }), (found) => found.length === 3, 'three open exceptions');

    const started = await first.api('POST', '/api/v1/exceptions/bulk', { token: operator, body: { action: 'discard', ids: open.map((e) => e.id), comment: 'test orders' } });
    assert.equal(started.status, 202, started.text);
    // The console's next poll lands on the other process.
    const job = await eventually(
      () => second.api('GET', `/api/v1/jobs/${started.body.jobId}`, { token: operator }),
      (answer) => answer.status !== 200 || answer.body.finishedAt !== null,
      'the job, read through the second process',
    );
    assert.equal(job.status, 200, job.text);
    assert.deepEqual(
      { ...job.body, finishedAt: typeof job.body.finishedAt, createdAt: typeof job.body.createdAt },
      { id: started.body.jobId, action: 'exceptions.discard', total: 3, done: 3, failed: 0, finishedAt: 'number', createdAt: 'number', startedBy: 'ops-ann', state: 'finished', resumed: false },
    );
    for (const exception of open) assert.equal((await second.store.getException(exception.id))?.status, 'discarded');
    assert.equal((await second.api('GET', '/api/v1/jobs/job_nope', { token: operator })).status, 404);
  });
});
