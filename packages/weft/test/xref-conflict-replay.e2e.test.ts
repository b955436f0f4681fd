/**
 * A call step with `xref` creates a customer at an ERP without idempotency support (every POST
 * makes a new customer), and the link of the new id is refused: ERP customer 3345 is linked to
 * another shop customer already. The run parks as a `conflict` telling the operator which link to
 * take out, then to replay. The replay must link the customer the first attempt created, not
 * create a second one (which the ERP would, leaving the first orphaned). On both stores.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { request } from 'undici';
import { defineConnector } from '@weft/sdk';
import { scratchDatabase, skipWithoutPostgres } from './support/postgres.ts';
import { listenOnLoopback } from './support/loopback.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';
import { createCustomer } from './support/toy-erp-customers.ts';

/** Declares no idempotency key: the ERP would ignore one anyway. */
const erpConnector = defineConnector({ id: 'toy-erp', name: 'Toy ERP', baseUrl: (config) => String(config.baseUrl), auth: [], idempotencyKey: 'none', actions: [createCustomer] });

const FLOW = `id: new-customers
trigger:
  webhook: { path: shop/customers }
steps:
  - id: customer
    call:
      connection: erp
      action: create-customer
      input: '{ "email": trigger.body.email }'
      xref: { from: { system: shop, id: $string(trigger.body.id) } }
`;

const backends = [
  { name: 'SQLite', skip: false as const, database: async () => ({ overrides: {}, drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    skip: skipWithoutPostgres,
    database: async () => {
      const database = await scratchDatabase('weft_xref_replay');
      return { overrides: { database: database.url }, drop: database.drop };
    },
  },
];

for (const backend of backends) {
  describe(`a replay after a refused link of a created record (${backend.name})`, { skip: backend.skip }, () => {
    /** The ERP's customers, in the order it created them: one per POST, ids from 3345. */
    const customers: { customerId: string; email: string }[] = [];
    let erpUrl = '';
    let closeErp: () => Promise<void> = async () => {};
    before(async () => {
      const erp = await listenOnLoopback(
        createServer((req, res) => {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk));
          req.on('end', () => {
            const customer = { customerId: String(3345 + customers.length), email: (JSON.parse(body) as { email: string }).email };
            customers.push(customer);
            res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ customerId: customer.customerId }));
          });
        }),
      );
      erpUrl = erp.url;
      closeErp = () => erp.close();
    });
    after(() => closeErp());
    beforeEach(() => {
      customers.length = 0;
    });

    const start = async () => {
      const database = await backend.database();
      const weft = await startTestWeft(
        { 'new-customers.yaml': FLOW },
        {
          connectors: [erpConnector],
          overrides: database.overrides,
          prepare: async (store) => {
            await store.connections.put({ id: 'erp', connectorId: 'toy-erp', config: { baseUrl: erpUrl }, now: Date.now() });
            // A wrong link from before: the id the ERP gives its next customer, linked to another shop customer.
            await store.xref.link('customer', { system: 'shop', id: '7001' }, { system: 'erp', id: '3345' }, Date.now());
          },
        },
      );
      return Object.assign(weft, {
        stop: async () => {
          await weft.close();
          await database.drop();
        },
      });
    };
    type Weft = Awaited<ReturnType<typeof start>>;

    const post = async (weft: Weft, body: unknown) => {
      const response = await request(`${weft.url}/hooks/shop/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await response.body.dump();
      assert.equal(response.statusCode, 202);
    };
    const openException = async (weft: Weft) => {
      const open = await weft.store.listExceptions({ flowId: 'new-customers', status: 'open' });
      assert.equal(open.length, 1, JSON.stringify(open));
      return open[0]!;
    };
    const replay = async (weft: Weft, exceptionId: string, input?: unknown) => {
      await weft.store.replayException(exceptionId, { now: Date.now(), ...(input === undefined ? {} : { input }) });
      weft.engine.kick();
      return settledRuns(weft, 'new-customers', 1);
    };
    const linkedTo = async (weft: Weft, shopId: string) =>
      (await weft.store.xref.find('customer', { system: 'shop', id: shopId }))?.links.map((link) => `${link.system}:${link.id}`).sort();

    it('parks the conflict, parks it again while the link is in the way, and once it is taken out links the customer it created, creating none again', { timeout: 30_000 }, async () => {
      const weft = await start();
      try {
        await post(weft, { id: 7002, email: 'kim@example.com' });
        assert.equal((await settledRuns(weft, 'new-customers', 1)).exception, 1);
        const first = await openException(weft);
        assert.equal(first.reason, 'conflict');
        const group = (await weft.store.xref.find('customer', { system: 'erp', id: '3345' }))!.group;
        const message =
          `Cross-reference conflict: erp customer 3345 is already linked to shop customer 7001 in cross-reference group ${group}, so it cannot also be shop customer 7002. ` +
          'If shop customer 7001 is the wrong one, take it out with `weft xref unlink customer shop:7001`, then replay. Otherwise discard this exception.';
        assert.equal(first.message, message);
        assert.equal(customers.length, 1);

        // Replayed with the link still in the way: parked again, saying the same, and nothing sent.
        assert.equal((await replay(weft, first.id)).exception, 1);
        const second = await openException(weft);
        assert.notEqual(second.id, first.id);
        assert.equal(second.reason, 'conflict');
        assert.equal(second.message, message);
        assert.equal(customers.length, 1, 'the replay created no customer');

        // As the message says: take shop customer 7001 out, then replay.
        assert.equal(await weft.store.xref.unlink('customer', { system: 'shop', id: '7001' }), true);
        assert.equal((await replay(weft, second.id)).succeeded, 1);
        assert.deepEqual(customers, [{ customerId: '3345', email: 'kim@example.com' }], 'the ERP created one customer in all');
        assert.deepEqual(await linkedTo(weft, '7002'), ['erp:3345', 'shop:7002']);
        const [run] = await weft.store.listRuns({ flowId: 'new-customers', limit: 1 });
        const output = (await weft.store.getRun(run!.id))!.checkpoints.find((checkpoint) => checkpoint.path === 'customer')?.output;
        assert.deepEqual(output, { id: '3345', created: true, record: { customerId: '3345' } });
      } finally {
        await weft.stop();
      }
    });

    it('an edited replay that sends the same request links the customer created; one that sends another parks, creating none', { timeout: 30_000 }, async () => {
      const weft = await start();
      try {
        await post(weft, { id: 7002, email: 'kim@example.com' });
        assert.equal((await settledRuns(weft, 'new-customers', 1)).exception, 1);

        // Another email: the request differs from the one that created 3345 under this effect's
        // key, and the destination acted on that one, so no new key is derived (call-step.ts).
        assert.equal((await replay(weft, (await openException(weft)).id, { id: 7002, email: 'kim.lee@example.com' })).exception, 1);
        const edited = await openException(weft);
        assert.equal(edited.reason, 'conflict');
        assert.match(edited.message, /^The step 'customer' was sent before the input was edited, with another request under idempotency key /);
        assert.equal(customers.length, 1, 'nothing was sent');

        // Back to the request first sent, with the wrong link taken out: the customer created is linked.
        assert.equal(await weft.store.xref.unlink('customer', { system: 'shop', id: '7001' }), true);
        assert.equal((await replay(weft, edited.id, { id: 7002, email: 'kim@example.com', note: 'relinked' })).succeeded, 1);
        assert.equal(customers.length, 1, 'the ERP created one customer in all');
        assert.deepEqual(await linkedTo(weft, '7002'), ['erp:3345', 'shop:7002']);
      } finally {
        await weft.stop();
      }
    });
  });
}
