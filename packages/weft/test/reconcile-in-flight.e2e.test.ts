/**
 * A reconciliation must not hand a record over while the record's own run is still on its way.
 * Here a customer's sign-up run failed at the ERP and waits for a retry, long after the record
 * changed (past `settle`, as when the ERP is down for longer than the settle window). The night's
 * reconcile step, in redrive mode, finds the customer unlinked. Re-driving it now would run the
 * repair flow's create beside the sign-up run's retry: two customers in the ERP, whether the
 * first attempt had acted (its answer lost) or the two creates overlap. With `linkedBy` the step
 * sees the sign-up run in flight and leaves the record to it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ReconcileOutput, ReconcileReportItem } from '../src/engine/steps/reconcile-step.ts';
import { listenOnLoopback } from './support/loopback.ts';
import { startToyErpEngine } from './support/toy-erp-engine.ts';


const createStep = (id: string) => `  - id: ${id}
    call:
      connection: erp
      action: create-customer
      input: '{ "email": trigger.body.email }'
      xref: { from: { system: shop, id: $string(trigger.body.id) } }
`;

/** The flow that normally links a shop customer to the ERP: one run per customer (its ordering key). */
const SIGNUPS = `id: signups
trigger: { manual: {} }
orderingKey: $string(trigger.body.id)
retry: { maxAttempts: 5, initialDelay: 100ms, maxDelay: 100ms }
steps:
${createStep('customer')}`;

const REPAIR = `id: repair
trigger: { manual: {} }
retry: { maxAttempts: 5, initialDelay: 100ms, maxDelay: 100ms }
steps:
${createStep('customer')}`;

const NIGHTLY = `id: nightly
trigger: { manual: {} }
steps:
  - id: compare
    reconcile:
      entity: customer
      source: { system: shop, records: trigger.body.shop, id: id, describe: '"customer " & email', changedAt: updatedAt }
      target: { system: erp, records: trigger.body.erp, id: customerId }
      onMissing: redrive
      repairFlow: repair
      linkedBy: { flow: signups, orderingKey: $string(id) }
`;

/** The ERP's answer to one POST /customers, by how many came before it. */
type ErpScript = (attempt: number, request: IncomingMessage, respond: (customerId: string) => void, res: ServerResponse) => void;

async function startWeft(script: ErpScript) {
  const cleanup: Array<() => Promise<void> | void> = [];
  const customers: string[] = [];
  let posts = 0;
  const erp = await listenOnLoopback(
    createServer((req, res) => {
      req.resume().on('end', () => {
        posts += 1;
        script(posts, req, (customerId) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ customerId })), res);
      });
    }),
  );
  cleanup.push(() => erp.close());
  const weft = await startToyErpEngine({ flows: { 'signups.yaml': SIGNUPS, 'repair.yaml': REPAIR, 'nightly.yaml': NIGHTLY }, erpUrl: erp.url, concurrency: 4 });
  cleanup.push(() => weft.close());
  const { store } = weft;
  const until = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> => {
    for (const deadline = Date.now() + ms; ; await new Promise((resolve) => setTimeout(resolve, 25))) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    }
  };
  return {
    store,
    customers,
    posts: () => posts,
    start: weft.start,
    until,
    ended: async (runId: string) => (await until(`run ${runId}`, () => store.getRun(runId), (run) => run?.status === 'succeeded' || run?.status === 'exception'))!,
    close: async () => {
      for (const close of cleanup.reverse()) await close();
    },
  };
}

const HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();

describe('a reconciliation while the record’s own run waits for a retry past settle', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const weft of opened) await weft.close();
  });

  /** The sign-up run of customer 7001 parked in a retry, the night run, then both left to finish. */
  async function nightDuringRetry(weft: Awaited<ReturnType<typeof startWeft>>) {
    const signup = await weft.start('signups', { id: 7001, email: 'jane@example.com' });
    await weft.until('the sign-up run waiting for its retry', () => weft.store.getRun(signup.runId), (run) => run?.status === 'waiting');
    const night = await weft.start('nightly', { shop: [{ id: 7001, email: 'jane@example.com', updatedAt: HOUR_AGO() }], erp: [] });
    const nightRun = await weft.ended(night.runId);
    assert.equal(nightRun.status, 'succeeded', nightRun.lastError ?? '');
    const output = nightRun.checkpoints.find((checkpoint) => checkpoint.path === 'compare')!.output as ReconcileOutput;
    const items = (await weft.store.reconciliations.get(output.reportId))!.items as ReconcileReportItem[];
    await weft.ended(signup.runId);
    for (const repair of await weft.store.listRuns({ flowId: 'repair' })) await weft.ended(repair.id);
    const link = await weft.store.xref.find('customer', { system: 'shop', id: '7001' });
    return { signup, output, items, link: link?.links.find((candidate) => candidate.system === 'erp')?.id };
  }

  it('an ERP that acted on the first create but lost its answer: the sign-up retry (same idempotency key) gets that customer, and no repair makes a second', { timeout: 60_000 }, async () => {
    // Honours Idempotency-Key, as a good vendor does: only another key makes another customer.
    const byKey = new Map<string, string>();
    const weft = await startWeft((attempt, req, respond, res) => {
      const key = String(req.headers['idempotency-key']);
      if (!byKey.has(key)) byKey.set(key, `C${byKey.size + 1}`);
      if (attempt === 1) return void res.writeHead(503, { 'retry-after': '2' }).end('gateway timeout after the write');
      respond(byKey.get(key)!);
    });
    opened.push(weft);
    const { signup, output, items, link } = await nightDuringRetry(weft);
    assert.deepEqual([...byKey.values()], ['C1'], 'one customer in the ERP');
    assert.equal(link, 'C1');
    assert.equal((await weft.store.getRun(signup.runId))?.status, 'succeeded');
    assert.deepEqual((await weft.store.listRuns({ flowId: 'repair' })).length, 0, 'nothing handed over while its own run was in flight');
    assert.deepEqual({ missing: output.missing, settling: output.settling }, { missing: 0, settling: 1 });
    assert.deepEqual(items.map((item) => [item.status, item.settling, item.inFlight?.runId, item.action]), [['missing', true, signup.runId, undefined]]);
  });

  it('an ERP that was down: the repair’s create and the sign-up retry overlap and would both create; left to the sign-up run, one customer', { timeout: 60_000 }, async () => {
    // No idempotency: every create makes a customer. A create is answered once a second one
    // arrives or after 3 s, so two creates of one customer made close together overlap.
    const waiting: Array<() => void> = [];
    let made = 0;
    const weft = await startWeft((attempt, _req, respond, res) => {
      if (attempt === 1) return void res.writeHead(503, { 'retry-after': '2' }).end('down for maintenance');
      const answer = () => respond(`C${++made}`);
      waiting.push(answer);
      if (waiting.length >= 2) for (const pending of waiting.splice(0)) pending();
      else setTimeout(() => waiting.includes(answer) && waiting.splice(waiting.indexOf(answer), 1) && answer(), 3_000);
    });
    opened.push(weft);
    const { signup, items, link } = await nightDuringRetry(weft);
    assert.equal(made, 1, 'one customer in the ERP');
    assert.equal(link, 'C1');
    assert.equal((await weft.store.getRun(signup.runId))?.status, 'succeeded');
    assert.equal((await weft.store.listRuns({ flowId: 'repair' })).length, 0);
    assert.equal(items[0]?.inFlight?.runId, signup.runId);
  });
});
