import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { makeOrder } from '../../demo/shop.ts';
import { eventually, startApiWeft, type ApiWeft } from './testing.ts';

const UNKNOWN_SKU = 'ABC-9';

/** The order with its unknown SKU replaced: what an operator's edit does. */
function fixed(order: Record<string, unknown>): Record<string, unknown> {
  const lines = order.line_items as Array<Record<string, unknown>>;
  return { ...order, line_items: lines.map((line) => (line.sku === UNKNOWN_SKU ? { ...line, sku: 'CAP-BLACK' } : line)) };
}

describe('management API: runs, exceptions, calls, flows', () => {
  let weft: ApiWeft;
  let viewer: string;
  let operator: string;
  let admin: string;
  before(async () => {
    weft = await startApiWeft();
    viewer = await weft.tokenFor('viewer', 'viewer-1');
    operator = await weft.tokenFor('operator', 'ops-ann');
    admin = await weft.tokenFor('admin', 'admin-bob');
  });
  after(async () => weft.stop());

  const openExceptionFor = async (orderNumber: number) => {
    const list = await weft.api('GET', '/api/v1/exceptions?status=open&limit=500', { token: viewer });
    return (list.body.items as Array<{ id: string; runId: string; input: { order_number: number } }>).find((item) => item.input.order_number === orderNumber);
  };

  it('pages runs newest first with cursors that stay stable while runs arrive, and filters them', async () => {
    for (let n = 1; n <= 5; n++) await weft.deliver(n);
    await weft.settled('orders', 5);
    const first = await weft.api('GET', '/api/v1/runs?flow=orders&limit=2', { token: viewer });
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    for (let n = 6; n <= 8; n++) await weft.deliver(n);
    await weft.settled('orders', 8);

    const seen: string[] = first.body.items.map((run: { id: string }) => run.id);
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page = await weft.api('GET', `/api/v1/runs?flow=orders&limit=2&cursor=${encodeURIComponent(cursor)}`, { token: viewer });
      seen.push(...page.body.items.map((run: { id: string }) => run.id));
      cursor = page.body.nextCursor;
    }
    const all = (await weft.store.listRuns({ flowId: 'orders', limit: 1000 })).map((run) => run.id);
    const olderThanFirstPage = all.slice(3);
    assert.deepEqual(seen, [...all.slice(3, 5), ...olderThanFirstPage.slice(2)], 'no run skipped or repeated; the new ones are not on older pages');
    assert.equal(new Set(seen).size, 5);

    const byOrderingKey = await weft.api('GET', `/api/v1/runs?q=${makeOrder(3).order_number}`, { token: viewer });
    assert.equal(byOrderingKey.body.items.length, 1);
    assert.equal(byOrderingKey.body.items[0].orderingKey, String(makeOrder(3).order_number));
    const byStatus = await weft.api('GET', '/api/v1/runs?status=exception', { token: viewer });
    assert.deepEqual(byStatus.body.items, []);
    const badCursor = await weft.api('GET', '/api/v1/runs?cursor=bm9wZQ', { token: viewer });
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.code, 'invalid-cursor');
    assert.equal((await weft.api('GET', '/api/v1/runs?limit=501', { token: viewer })).status, 400);
  });

  it('shows an exception with its sentence, failing step, input and last response, and a run timeline with the call', async () => {
    await weft.deliver(20, { badSku: true });
    await weft.settled('orders', 9);
    const exception = await openExceptionFor(makeOrder(20).order_number as number);
    assert.ok(exception);
    const detail = await weft.api('GET', `/api/v1/exceptions/${exception.id}`, { token: viewer });
    assert.equal(detail.status, 200);
    assert.equal(detail.body.reason, 'validation');
    assert.equal(detail.body.stepPath, 'create');
    assert.match(detail.body.message, /SKU 'ABC-9' does not exist/);
    assert.equal(detail.body.run.status, 'exception');
    assert.equal(detail.body.calls.length, 1);
    assert.equal(detail.body.calls[0].status, 422);
    assert.equal(detail.body.comment, null);

    const run = await weft.api('GET', `/api/v1/runs/${exception.runId}`, { token: viewer });
    assert.deepEqual(
      run.body.timeline.map((entry: { kind: string }) => entry.kind),
      ['received', 'step', 'call', 'exception'],
    );
    assert.equal(run.body.timeline[2].call.status, 422);
    assert.equal(run.body.event.body.order_number, makeOrder(20).order_number);

    const groups = await weft.api('GET', '/api/v1/exceptions/groups?status=open', { token: viewer });
    assert.deepEqual(groups.body.items.map((g: { flowId: string; reason: string; count: number }) => [g.flowId, g.reason, g.count]), [['orders', 'validation', 1]]);

    const calls = await weft.api('GET', '/api/v1/calls?status=4xx', { token: viewer });
    assert.deepEqual(calls.body.items.map((call: { runId: string }) => call.runId), [exception.runId]);
    const byRecord = await weft.api('GET', `/api/v1/calls?q=${makeOrder(20).order_number}`, { token: viewer });
    assert.deepEqual(byRecord.body.items.map((call: { runId: string }) => call.runId), [exception.runId]);
    assert.equal((await weft.api('GET', '/api/v1/calls?status=2xx&limit=500', { token: viewer })).body.items.length, 8);
  });

  it('replays with an edited input: the ERP gets the order once, and the action is audited', async () => {
    const order = makeOrder(20, { badSku: true });
    const exception = (await openExceptionFor(order.order_number as number))!;
    const created = weft.erp.stats().created;
    assert.equal((await weft.api('POST', `/api/v1/exceptions/${exception.id}/replay`, { token: viewer, body: {} })).status, 403);
    const replay = await weft.api('POST', `/api/v1/exceptions/${exception.id}/replay`, { token: operator, body: { input: fixed(order) } });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.runId, exception.runId);
    await eventually(() => weft.store.getRun(exception.runId), (run) => run?.status === 'succeeded', 'the replayed run');
    assert.equal(weft.erp.stats().created, created + 1);
    assert.equal(weft.erp.stats().creationsPerOrder[String(order.order_number)], 1);
    const again = await weft.app.inject({ method: 'POST', url: `/api/v1/exceptions/${exception.id}/replay`, headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' } });
    assert.equal(again.statusCode, 409, 'no body is a plain replay, refused because it is no longer open');

    const audit = await weft.api('GET', '/api/v1/audit?action=exception.replay', { token: viewer });
    assert.equal(audit.body.items.length, 1);
    assert.deepEqual(
      { actor: audit.body.items[0].actor, role: audit.body.items[0].role, target: audit.body.items[0].target, detail: audit.body.items[0].detail },
      { actor: 'ops-ann', role: 'operator', target: exception.id, detail: { runId: exception.runId, editedInput: true } },
    );
    assert.ok(Math.abs(audit.body.items[0].at - Date.now()) < 10_000);
  });

  it('discards only with a non-empty comment, and keeps the comment', async () => {
    await weft.deliver(21, { badSku: true });
    const exception = await eventually(() => openExceptionFor(makeOrder(21).order_number as number), Boolean, 'the exception');
    for (const body of [{}, { comment: '' }, { comment: '   ' }]) {
      const refused = await weft.api('POST', `/api/v1/exceptions/${exception!.id}/discard`, { token: operator, body });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(String(refused.headers['content-type']), /problem\+json/);
    }
    assert.equal((await weft.store.getException(exception!.id))?.status, 'open', 'a refused discard changes nothing');
    const discarded = await weft.api('POST', `/api/v1/exceptions/${exception!.id}/discard`, { token: operator, body: { comment: 'duplicate of #20, fixed there' } });
    assert.deepEqual(discarded.body, { id: exception!.id, status: 'discarded' });
    const shown = await weft.api('GET', `/api/v1/exceptions/${exception!.id}`, { token: viewer });
    assert.equal(shown.body.status, 'discarded');
    assert.equal(shown.body.comment, 'duplicate of #20, fixed there');
    const audit = await weft.api('GET', '/api/v1/audit?actor=ops-ann&action=exception.discard', { token: viewer });
    assert.deepEqual(audit.body.items[0].detail, { comment: 'duplicate of #20, fixed there' });
  });

  it('resolves an open exception by itself when a later run for the same order completes', async () => {
    const order = makeOrder(30, { badSku: true });
    await weft.deliver(30, { badSku: true, delivery: 'first-try' });
    const exception = await eventually(() => openExceptionFor(order.order_number as number), Boolean, 'the exception');
    await weft.deliver(30, { order: fixed(order), delivery: 'corrected-resend' });
    const resolved = await eventually(() => weft.store.getException(exception!.id), (record) => record?.status === 'resolved', 'the auto-resolve');
    assert.ok(resolved?.resolvedAt);
    const listed = await weft.api('GET', '/api/v1/exceptions?status=resolved', { token: viewer });
    assert.ok(listed.body.items.some((item: { id: string }) => item.id === exception!.id));
  });

  it('bulk-replays a filtered set as a job with progress, and refuses a bulk discard without a comment', async () => {
    for (let n = 40; n < 44; n++) await weft.deliver(n, { badSku: true });
    await eventually(() => weft.api('GET', '/api/v1/exceptions?status=open', { token: viewer }), (page) => page.body.items.length === 4, 'four open exceptions');
    const refused = await weft.api('POST', '/api/v1/exceptions/bulk', { token: operator, body: { action: 'discard', filter: { flow: 'orders' } } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'comment-required');

    const started = await weft.api('POST', '/api/v1/exceptions/bulk', { token: operator, body: { action: 'replay', filter: { flow: 'orders', reason: 'validation' } } });
    assert.equal(started.status, 202);
    assert.equal(started.body.total, 4);
    const job = await eventually(
      () => weft.api('GET', `/api/v1/jobs/${started.body.jobId}`, { token: viewer }),
      (answer) => answer.body.finishedAt !== null,
      'the job',
    );
    assert.deepEqual({ action: job.body.action, total: job.body.total, done: job.body.done, failed: job.body.failed }, { action: 'exceptions.replay', total: 4, done: 4, failed: 0 });
    for (let n = 40; n < 44; n++) {
      // The job ends when every run is queued again; the worker claims them a moment later.
      await eventually(
        () => weft.api('GET', `/api/v1/runs?q=${makeOrder(n).order_number}`, { token: viewer }),
        (runs) => runs.body.items[0]?.fence === 2,
        `order ${n} claimed again by the replay`,
      );
    }
    const audit = await weft.api('GET', '/api/v1/audit?action=exceptions.bulk_replay', { token: viewer });
    assert.equal(audit.body.items[0].detail.total, 4);
  });

  it("serves a run's webhook query with parameters named like credentials redacted", async () => {
    const delivered = await weft.api('POST', '/hooks/orders?token=s3cr3t-webhook-token&shop=acme', {
      body: makeOrder(70),
      headers: { 'content-type': 'application/json', 'x-delivery': 'delivery-70' },
    });
    assert.equal(delivered.status, 202);
    const run = await weft.api('GET', `/api/v1/runs/${delivered.body.runId}`, { token: viewer });
    assert.deepEqual(run.body.event.query, { token: '[REDACTED]', shop: 'acme' });
    assert.ok(!run.text.includes('s3cr3t-webhook-token'));
  });

  it('disables a flow: its webhook answers 503 flow-disabled, the switch persists, and enabling restores it', async () => {
    assert.equal((await weft.api('POST', '/api/v1/flows/orders/disable', { token: operator })).status, 403);
    const disabled = await weft.api('POST', '/api/v1/flows/orders/disable', { token: admin });
    assert.deepEqual(disabled.body, { id: 'orders', enabled: false });
    const refused = await weft.deliver(50);
    assert.equal(refused.status, 503);
    assert.equal(JSON.parse(refused.text).type, 'https://weft.dev/problems/flow-disabled');
    assert.deepEqual(await weft.store.flowStates.disabled(), ['orders']);
    assert.equal((await weft.api('GET', '/api/v1/flows/orders', { token: viewer })).body.enabled, false);
    assert.equal(weft.engine.flows().has('orders'), false, 'the worker does not claim its runs');

    await weft.api('POST', '/api/v1/flows/orders/enable', { token: admin });
    assert.equal((await weft.deliver(50)).status, 202);
    const flows = await weft.api('GET', '/api/v1/flows', { token: viewer });
    assert.deepEqual(flows.body.items.map((flow: { id: string; enabled: boolean }) => [flow.id, flow.enabled]), [['echo', true], ['orders', true]]);
    const audit = await weft.api('GET', '/api/v1/audit?actor=admin-bob', { token: viewer });
    assert.deepEqual(audit.body.items.map((entry: { action: string }) => entry.action), ['flow.enable', 'flow.disable']);
  });

  it('starts a manual run and lists events and a metrics summary', async () => {
    const started = await weft.api('POST', '/api/v1/runs', { token: operator, body: { flowId: 'echo', input: { hello: 'world' } } });
    assert.equal(started.status, 202);
    await eventually(() => weft.store.getRun(started.body.runId), (run) => run?.status === 'succeeded', 'the manual run');
    const events = await weft.api('GET', '/api/v1/events?flow=echo', { token: viewer });
    assert.deepEqual(events.body.items.map((event: { runId: string; source: string }) => [event.runId, event.source]), [[started.body.runId, 'manual']]);

    const summary = await weft.api('GET', '/api/v1/metrics/summary?minutes=5', { token: viewer });
    assert.equal(summary.body.perMinute.length, 5);
    const eventsIn = summary.body.perMinute.reduce((sum: number, minute: { eventsIn: number }) => sum + minute.eventsIn, 0);
    assert.equal(eventsIn, (await weft.store.listRuns({ limit: 1000 })).length);
    assert.ok(summary.body.successRate > 0 && summary.body.successRate < 1);
  });

  it('lists records linked across systems with their ids by system, newest first, filtered by entity or an id', async () => {
    await weft.store.xref.link('customer', { system: 'shop', id: '7001' }, { system: 'erp', id: '3345' }, Date.UTC(2026, 10, 1));
    await weft.store.xref.link('order', { system: 'shop', id: '5001' }, { system: 'erp', id: 'SO-1' }, Date.UTC(2026, 10, 2));
    // Systems named like the row's own fields keep their ids, and the row its fields.
    await weft.store.xref.link('invoice', { system: 'entity', id: 'INV-1' }, { system: 'linkedAt', id: 'L-9' }, Date.UTC(2026, 10, 3));
    const all = await weft.api('GET', '/api/v1/xref', { token: viewer });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.items, [
      { entity: 'invoice', linkedAt: '2026-11-03T00:00:00.000Z', links: { entity: 'INV-1', linkedAt: 'L-9' } },
      { entity: 'order', linkedAt: '2026-11-02T00:00:00.000Z', links: { shop: '5001', erp: 'SO-1' } },
      { entity: 'customer', linkedAt: '2026-11-01T00:00:00.000Z', links: { shop: '7001', erp: '3345' } },
    ]);
    type Row = { links: Record<string, string> };
    assert.deepEqual((await weft.api('GET', '/api/v1/xref?entity=customer', { token: viewer })).body.items.map((item: Row) => item.links.erp), ['3345']);
    assert.deepEqual((await weft.api('GET', '/api/v1/xref?q=SO-1', { token: viewer })).body.items.map((item: Row) => item.links.shop), ['5001']);
  });

  it('streams committed run events over SSE to a token given as access_token, and ends the stream on shutdown', async () => {
    const base = weft.url;
    const refused = await request(`${base}/api/v1/stream`);
    assert.equal(refused.statusCode, 401);
    await refused.body.dump();

    const stream = await request(`${base}/api/v1/stream?access_token=${viewer}`);
    assert.equal(stream.statusCode, 200);
    assert.match(String(stream.headers['content-type']), /text\/event-stream/);
    let text = '';
    const ended = new Promise<void>((resolve, reject) => {
      stream.body.on('end', resolve).on('error', reject);
    });
    const received = new Promise<void>((resolve) => {
      stream.body.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (/event: run\ndata: .*"type":"run.completed"/.test(text)) resolve();
      });
    });
    await weft.deliver(60);
    await Promise.race([received, new Promise((_, reject) => setTimeout(() => reject(new Error(`no run event in: ${text}`)), 10_000))]);
    assert.match(text, /event: event\ndata: .*"duplicate":false/);

    // Shutdown must not wait for the client to hang up: the server ends open streams itself.
    await Promise.race([Promise.all([weft.close(), ended]), new Promise((_, reject) => setTimeout(() => reject(new Error('close waited for the open stream')), 5_000))]);
  });
});
