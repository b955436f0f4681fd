/**
 * The canonical model, the cross-reference and reconciliation through a real engine: a shop's
 * order webhook is mapped by a connector mapping, checked against canonical/order@1, and its
 * customer created in an "ERP" that has no idempotency support, linked by xref so a second
 * order of the same customer reuses it. Broken records, unknown links and conflicting ids each
 * park with a sentence naming the field or the ids; a reconcile step reports what is missing
 * and parks it as a replayable exception of a repair flow.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { canonical, defineConnector, defineMapping, schema, type CanonicalOrder } from '@weft/sdk';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';
import { createCustomer } from './support/toy-erp-customers.ts';

/** A shop order as the fictional shop sends it. */
const ShopOrder = schema.Object({
  id: schema.Integer(),
  number: schema.String(),
  email: schema.String(),
  customer_id: schema.Integer(),
  currency: schema.String(),
  created_at: schema.String(),
  lines: schema.Array(schema.Object({ sku: schema.String(), qty: schema.Integer(), price: schema.String() })),
});

const orderToCanonical = defineMapping({
  id: 'order-to-canonical',
  name: 'Shop order → canonical order',
  direction: 'to-canonical',
  canonical: 'order@1',
  input: ShopOrder,
  output: canonical.Order,
  map: (order): CanonicalOrder => {
    const total = order.lines.reduce((sum, line) => sum + Number(line.price) * line.qty, 0).toFixed(2);
    const money = (amount: string) => ({ amount, currency: order.currency });
    return {
      ids: { shop: String(order.id) },
      number: order.number,
      status: 'confirmed',
      currency: order.currency,
      customer: { ids: { shop: String(order.customer_id) }, email: order.email },
      lines: order.lines.map((line) => ({
        sku: line.sku,
        quantity: { value: String(line.qty), unit: 'each' },
        unitPrice: money(line.price),
        total: money((Number(line.price) * line.qty).toFixed(2)),
      })),
      subtotal: money(total),
      total: money(total),
      placedAt: order.created_at,
    };
  },
});

/** Its ERP: creates customers, answering the existing customer for a known email (no idempotency keys). */
const erpConnector = defineConnector({
  id: 'toy-erp',
  name: 'Toy ERP',
  baseUrl: (config) => String(config.baseUrl),
  auth: [],
  actions: [createCustomer],
  mappings: [orderToCanonical],
});

const ORDER_FLOW = `id: shop-orders
trigger:
  webhook: { path: shop/orders }
steps:
  - id: order
    map: { mapping: toy-erp/order-to-canonical }
  - id: checked
    validate: { schema: order@1, input: steps.order, describe: '"order " & number' }
  - id: customer
    call:
      connection: erp
      action: create-customer
      input: '{ "email": steps.checked.customer.email }'
      xref: { from: { system: shop, id: steps.checked.customer.ids.shop } }
  - id: erp_customer
    lookup: { entity: customer, from: { system: shop, id: steps.checked.customer.ids.shop }, in: erp, required: true }
`;

const RECONCILE_FLOW = `id: nightly-customers
trigger:
  manual: {}
steps:
  - id: compare
    reconcile:
      entity: customer
      source: { system: shop, records: trigger.body.shop, id: id, describe: '"customer " & email', compare: email }
      target: { system: erp, records: trigger.body.erp, id: customerId, compare: email }
      onMissing: exception
      repairFlow: repair-customer
`;

/** Re-drives what is missing, leaving a customer that changed in the last 15 minutes (settle's default) to its own run. */
const REDRIVE_FLOW = `id: nightly-redrive
trigger:
  manual: {}
steps:
  - id: compare
    reconcile:
      entity: customer
      source: { system: shop, records: trigger.body.shop, id: id, describe: '"customer " & email', changedAt: updatedAt }
      target: { system: erp, records: trigger.body.erp, id: customerId }
      onMissing: redrive
      repairFlow: repair-customer
`;

const REPAIR_FLOW = `id: repair-customer
trigger:
  manual: {}
steps:
  - id: customer
    call:
      connection: erp
      action: create-customer
      input: '{ "email": trigger.body.email }'
      xref: { from: { system: shop, id: trigger.body.id } }
`;

describe('canonical model, xref and reconcile end to end', () => {
  let erp: Server;
  let erpUrl: string;
  const customersByEmail = new Map<string, string>();
  let creates = 0;
  let conflicts = 0;
  /** How the ERP answers: a create of a known email is a 409 (no upsert), each answer after a delay. */
  const erpMode = { rejectsDuplicates: false, latencyMs: 0 };
  const announcements: { text: string }[] = [];

  before(async () => {
    erp = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/announcements') {
          announcements.push(JSON.parse(body) as { text: string });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return;
        }
        const { email } = JSON.parse(body) as { email: string };
        const answer = () => {
          if (customersByEmail.has(email) && erpMode.rejectsDuplicates) {
            conflicts += 1;
            res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `a customer with email ${email} exists` }));
            return;
          }
          creates += 1;
          if (!customersByEmail.has(email)) customersByEmail.set(email, String(3345 + customersByEmail.size));
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ customerId: customersByEmail.get(email) }));
        };
        setTimeout(answer, erpMode.latencyMs);
      });
    });
    await new Promise<void>((resolve) => erp.listen(0, '127.0.0.1', resolve));
    erpUrl = `http://127.0.0.1:${(erp.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => erp.close(() => resolve())));
  beforeEach(() => {
    customersByEmail.clear();
    creates = 0;
    conflicts = 0;
    Object.assign(erpMode, { rejectsDuplicates: false, latencyMs: 0 });
    announcements.length = 0;
  });

  const announceFlow = () => `id: announce-exceptions
trigger:
  exception: { flows: [shop-orders], reasons: [validation, conflict] }
steps:
  - id: post
    call:
      url: ${erpUrl}/announcements
      body: '{ "text": trigger.body.flowId & ": " & trigger.body.message }'
`;

  const start = () =>
    startTestWeft(
      { 'orders.yaml': ORDER_FLOW, 'nightly.yaml': RECONCILE_FLOW, 'redrive.yaml': REDRIVE_FLOW, 'repair.yaml': REPAIR_FLOW, 'announce.yaml': announceFlow() },
      {
        connectors: [erpConnector],
        prepare: (store) => store.connections.put({ id: 'erp', connectorId: 'toy-erp', config: { baseUrl: erpUrl }, now: Date.now() }),
      },
    );

  const order = (fields: Partial<{ id: number; customer_id: number; email: string; sku: string; price: string; created_at: string }> = {}) => ({
    id: fields.id ?? 5001,
    number: `#${fields.id ?? 5001}`,
    email: fields.email ?? 'jane@example.com',
    customer_id: fields.customer_id ?? 7001,
    currency: 'USD',
    created_at: fields.created_at ?? '2026-11-26T10:15:00+01:00',
    lines: [{ sku: fields.sku ?? 'CAP-BLACK', qty: 2, price: fields.price ?? '19.99' }],
  });

  const post = async (url: string, body: unknown) => {
    const response = await request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await response.body.text();
    return response.statusCode;
  };

  it('creates a customer once and reuses it through the xref for the next order of that customer', { timeout: 30_000 }, async () => {
    const weft = await start();
    try {
      assert.equal(await post(`${weft.url}/hooks/shop/orders`, order({ id: 5001 })), 202);
      assert.equal((await settledRuns(weft, 'shop-orders', 1)).succeeded, 1);
      assert.equal(await post(`${weft.url}/hooks/shop/orders`, order({ id: 5002 })), 202);
      assert.equal((await settledRuns(weft, 'shop-orders', 2)).succeeded, 2);
      assert.equal(creates, 1, 'the second order found the customer in the xref and did not call the ERP');

      const [second, first] = await weft.store.listRuns({ flowId: 'shop-orders', limit: 2 });
      const outputs = async (runId: string) => Object.fromEntries((await weft.store.getRun(runId))!.checkpoints.map((c) => [c.path, c.output]));
      assert.deepEqual((await outputs(first!.id)).customer, { id: '3345', created: true, record: { customerId: '3345' } });
      assert.deepEqual((await outputs(second!.id)).customer, { id: '3345', created: false, record: null });
      assert.equal((await outputs(second!.id)).erp_customer, '3345');
      const canonicalOrder = (await outputs(first!.id)).order as CanonicalOrder;
      assert.deepEqual(canonicalOrder.total, { amount: '39.98', currency: 'USD' });
      assert.equal(canonicalOrder.placedAt, '2026-11-26T10:15:00+01:00');
      assert.deepEqual((await weft.store.xref.find('customer', { system: 'erp', id: '3345' }))?.links.map((l) => `${l.system}:${l.id}`).sort(), ['erp:3345', 'shop:7001']);
    } finally {
      await weft.close();
    }
  });

  it('resolves two orders of one new customer racing to create it: the loser’s conflict is retried and finds the winner’s link', { timeout: 30_000 }, async () => {
    Object.assign(erpMode, { rejectsDuplicates: true, latencyMs: 150 });
    const weft = await start();
    try {
      const statuses = await Promise.all([post(`${weft.url}/hooks/shop/orders`, order({ id: 5101 })), post(`${weft.url}/hooks/shop/orders`, order({ id: 5102 }))]);
      assert.deepEqual(statuses, [202, 202]);
      assert.equal((await settledRuns(weft, 'shop-orders', 2)).succeeded, 2);
      assert.equal(creates, 1, 'one customer created');
      assert.equal(conflicts, 1, 'the second create met the first and was refused');
      const outputs = await Promise.all(
        (await weft.store.listRuns({ flowId: 'shop-orders', limit: 2 })).map(async (run) => (await weft.store.getRun(run.id))!.checkpoints.find((c) => c.path === 'customer')!.output),
      );
      assert.deepEqual(outputs.map((output) => (output as { id: string }).id), ['3345', '3345']);
      assert.equal(outputs.filter((output) => (output as { created: boolean }).created).length, 1);
    } finally {
      await weft.close();
    }
  });

  it('parks an order that breaks the canonical schema as a validation exception naming the field and the rule', { timeout: 30_000 }, async () => {
    const weft = await start();
    try {
      assert.equal(await post(`${weft.url}/hooks/shop/orders`, order({ id: 5003, created_at: '2026-11-26 10:15' })), 202);
      assert.equal((await settledRuns(weft, 'shop-orders', 1)).exception, 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'shop-orders' });
      assert.equal(exception?.reason, 'validation');
      assert.equal(exception?.stepPath, 'order');
      assert.match(exception!.message, /^The mapping toy-erp\/order-to-canonical produced an invalid order@1: placedAt must be ISO 8601 date-time with an offset, e\.g\. "2026-11-26T10:15:00Z" \(got "2026-11-26 10:15"\)\.$/);
      assert.equal(creates, 0, 'nothing was sent');
      // The announcer flow (trigger: exception) posts it once, with the operator's sentence.
      assert.equal((await settledRuns(weft, 'announce-exceptions', 1)).succeeded, 1);
      assert.deepEqual(announcements, [{ text: `shop-orders: ${exception!.message}` }]);
    } finally {
      await weft.close();
    }
  });

  it('parks a conflict when the ERP answers with a customer already linked to another shop customer', { timeout: 30_000 }, async () => {
    const weft = await start();
    try {
      await post(`${weft.url}/hooks/shop/orders`, order({ id: 5004, customer_id: 7001 }));
      assert.equal((await settledRuns(weft, 'shop-orders', 1)).succeeded, 1);
      // Another shop customer with the same email: this ERP answers with customer 3345 again.
      await post(`${weft.url}/hooks/shop/orders`, order({ id: 5005, customer_id: 7002 }));
      assert.equal((await settledRuns(weft, 'shop-orders', 2)).exception, 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'shop-orders' });
      assert.equal(exception?.reason, 'conflict');
      // It names the link in the way, the group it is in, and the exact command that takes it out.
      const group = (await weft.store.xref.find('customer', { system: 'erp', id: '3345' }))!.group;
      assert.equal(
        exception?.message,
        `Cross-reference conflict: erp customer 3345 is already linked to shop customer 7001 in cross-reference group ${group}, so it cannot also be shop customer 7002. ` +
          'If shop customer 7001 is the wrong one, take it out with `weft xref unlink customer shop:7001`, then replay. Otherwise discard this exception.',
      );

      // Doing what it says resolves it: shop customer 7002 is the one ERP customer 3345 belongs to.
      assert.equal(await weft.store.xref.unlink('customer', { system: 'shop', id: '7001' }), true);
      await weft.store.replayException(exception!.id, { now: Date.now() });
      weft.engine.kick();
      assert.equal((await settledRuns(weft, 'shop-orders', 2)).succeeded, 2);
      assert.deepEqual((await weft.store.xref.find('customer', { system: 'erp', id: '3345' }))?.links.map((l) => `${l.system}:${l.id}`).sort(), ['erp:3345', 'shop:7002']);
    } finally {
      await weft.close();
    }
  });

  it('reconciles: counts matched and different, parks the missing as replayable exceptions of the repair flow, once', { timeout: 30_000 }, async () => {
    const weft = await start();
    try {
      customersByEmail.set('jane@example.com', '3345').set('sam@example.com', '3346');
      await weft.store.xref.link('customer', { system: 'shop', id: '7001' }, { system: 'erp', id: '3345' }, Date.now());
      await weft.store.xref.link('customer', { system: 'shop', id: '7002' }, { system: 'erp', id: '3346' }, Date.now());
      const input = {
        shop: [
          { id: 7001, email: 'jane@example.com' },
          { id: 7002, email: 'sam@example.com' },
          { id: 7003, email: 'kim@example.com' },
        ],
        erp: [
          { customerId: '3345', email: 'jane@example.com' },
          { customerId: '3346', email: 'sam@old.example.com' },
        ],
      };
      const flow = weft.engine.flows().get('nightly-customers')!;
      await weft.engine.accept(flow, { source: 'manual', headers: {}, query: {}, body: input, dedupeKey: 'night-1' });
      assert.equal((await settledRuns(weft, 'nightly-customers', 1)).succeeded, 1);
      const [report] = await weft.store.reconciliations.list({ flowId: 'nightly-customers' });
      assert.deepEqual([report?.matched, report?.missing, report?.different], [1, 1, 1]);
      const full = await weft.store.reconciliations.get(report!.id);
      const missing = full!.items.find((item) => item.status === 'missing')!;
      assert.equal(missing.sourceId, '7003');
      assert.equal(missing.action?.kind, 'exception');
      assert.deepEqual(full!.items.find((item) => item.status === 'different'), { status: 'different', sourceId: '7002', name: 'customer sam@example.com', targetId: '3346', sourceValue: 'sam@example.com', targetValue: 'sam@old.example.com' });

      const [exception] = await weft.store.listExceptions({ flowId: 'repair-customer' });
      assert.equal(exception?.reason, 'not-found');
      assert.equal(exception?.message, 'Customer kim@example.com in shop has no customer in erp.');
      assert.equal(creates, 0, 'an exception waits for a person');

      // The next night finds it still missing but hands it over no second time.
      await weft.engine.accept(flow, { source: 'manual', headers: {}, query: {}, body: input, dedupeKey: 'night-2' });
      assert.equal((await settledRuns(weft, 'nightly-customers', 2)).succeeded, 2);
      const [latest] = await weft.store.reconciliations.list({ flowId: 'nightly-customers', limit: 1 });
      assert.equal((await weft.store.reconciliations.get(latest!.id))!.items.find((item) => item.status === 'missing')?.action?.kind, 'already-handled');
      assert.equal((await weft.store.listExceptions({ flowId: 'repair-customer' })).length, 1);

      // A person replays it: the repair flow creates the customer and links it, once.
      await weft.store.replayException(exception!.id, { now: Date.now() });
      weft.engine.kick();
      assert.equal((await settledRuns(weft, 'repair-customer', 1)).succeeded, 1);
      assert.equal(creates, 1);
      assert.equal((await weft.store.xref.find('customer', { system: 'shop', id: '7003' }))?.links.find((l) => l.system === 'erp')?.id, '3347');
    } finally {
      await weft.close();
    }
  });

  it('hands a customer linked to an ERP id the ERP no longer has to a person, naming the link to remove; unlinked and replayed, it is created', { timeout: 30_000 }, async () => {
    const weft = await start();
    try {
      // Shop customer 7003 is linked to ERP customer 9999, which was deleted in the ERP.
      await weft.store.xref.link('customer', { system: 'shop', id: '7003' }, { system: 'erp', id: '9999' }, Date.now());
      const flow = weft.engine.flows().get('nightly-customers')!;
      const night = async (n: number) => {
        await weft.engine.accept(flow, { source: 'manual', headers: {}, query: {}, body: { shop: [{ id: 7003, email: 'kim@example.com' }], erp: [] }, dedupeKey: `night-${n}` });
        assert.equal((await settledRuns(weft, 'nightly-customers', n)).succeeded, n);
        const [report] = await weft.store.reconciliations.list({ flowId: 'nightly-customers', limit: 1 });
        return (await weft.store.reconciliations.get(report!.id))!.items[0]!;
      };
      const first = await night(1);
      const [exception] = await weft.store.listExceptions({ flowId: 'repair-customer' });
      assert.equal(exception?.id, first.action?.exceptionId);
      assert.match(exception!.message, /^Customer kim@example\.com in shop is linked to erp customer 9999, which the erp records read by this reconciliation do not include\. If it no longer exists in erp, remove the stale link with `weft xref unlink customer erp:9999`, then replay this exception;/);

      // Replayed as it is, the repair finds the stale link and creates nothing…
      await weft.store.replayException(exception!.id, { now: Date.now() });
      weft.engine.kick();
      assert.equal((await settledRuns(weft, 'repair-customer', 1)).succeeded, 1);
      assert.equal(creates, 0);
      // …so the next night hands it over again rather than calling it handled.
      const second = await night(2);
      assert.equal(second.action?.kind, 'exception');
      assert.notEqual(second.action?.exceptionId, exception!.id);

      // Doing what the exception says repairs it.
      assert.equal(await weft.store.xref.unlink('customer', { system: 'erp', id: '9999' }), true);
      await weft.store.replayException(second.action!.exceptionId!, { now: Date.now() });
      weft.engine.kick();
      assert.equal((await settledRuns(weft, 'repair-customer', 2)).succeeded, 2);
      assert.equal(creates, 1);
      assert.deepEqual((await weft.store.xref.find('customer', { system: 'shop', id: '7003' }))?.links.map((l) => `${l.system}:${l.id}`).sort(), ['erp:3345', 'shop:7003']);
    } finally {
      await weft.close();
    }
  });

  it('leaves a customer its own run is still creating to that run instead of re-driving it: one customer in the ERP', { timeout: 30_000 }, async () => {
    Object.assign(erpMode, { latencyMs: 1000 });
    const weft = await start();
    try {
      assert.equal(await post(`${weft.url}/hooks/shop/orders`, order({ id: 5009, customer_id: 7009, email: 'lee@example.com' })), 202);
      // The order's run has sent the create of customer 7009 and waits for the ERP's answer.
      while ((await weft.store.listCalls({ now: Date.now() })).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const nightly = weft.engine.flows().get('nightly-redrive')!;
      const listed = { id: 7009, email: 'lee@example.com', updatedAt: new Date().toISOString() };
      await weft.engine.accept(nightly, { source: 'manual', headers: {}, query: {}, body: { shop: [listed], erp: [] }, dedupeKey: 'night-1' });
      assert.equal((await settledRuns(weft, 'nightly-redrive', 1)).succeeded, 1);
      const [report] = await weft.store.reconciliations.list({ flowId: 'nightly-redrive' });
      const [item] = (await weft.store.reconciliations.get(report!.id))!.items as { settling?: boolean; action?: unknown }[];
      assert.deepEqual([report?.missing, item?.settling, item?.action], [0, true, undefined]);

      assert.equal((await settledRuns(weft, 'shop-orders', 1)).succeeded, 1);
      assert.deepEqual(await weft.store.listRuns({ flowId: 'repair-customer' }), []);
      assert.equal(creates, 1);
    } finally {
      await weft.close();
    }
  });
});
