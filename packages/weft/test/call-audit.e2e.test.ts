/**
 * When the audit log records a call: before its request leaves (for a call step, in the commit
 * of the effect's intent; for a connector's request, in a commit of its own), completed with the
 * answer after. The destination here looks the record up the moment a request arrives.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { bearer, defineAction, defineConnector, schema } from '@weft/sdk';
import { generateMasterKey } from '../src/connectors/vault/master-key.ts';
import { openVault } from '../src/connectors/vault/open-vault.ts';
import { NO_ANSWER_YET, type CallRecord, type Store } from '../src/store/store.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';

const createOrder = defineAction({
  id: 'create-order',
  name: 'Create an order',
  input: schema.Object({ id: schema.String() }),
  output: schema.Unknown(),
  request: (input) => ({ method: 'POST', path: '/orders', body: input }),
});
const vendorConnector = defineConnector({ id: 'audit-vendor', name: 'The vendor', baseUrl: 'https://vendor.invalid', auth: [bearer()], actions: [createOrder] });

describe('the audit log records a call before its request leaves', () => {
  let vendor: Server;
  let vendorUrl: string;
  /** The store of the Weft under test, for the vendor to look into. */
  let store: Store | undefined;
  /** What the audit held for each request at the moment it arrived, by idempotency key. */
  const onRecordAtArrival = new Map<string, CallRecord[]>();

  before(async () => {
    process.env.WEFT_MASTER_KEY = generateMasterKey();
    vendor = createServer((req, res) => {
      req.resume();
      req.on('end', async () => {
        const key = String(req.headers['idempotency-key']);
        const calls = (await store?.listCalls({ now: Date.now() })) ?? [];
        onRecordAtArrival.set(key, calls.filter((call) => call.requestHeaders['idempotency-key'] === key));
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"SO-1"}');
      });
    });
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await new Promise((resolve) => vendor.close(resolve));
  });

  const hook = (url: string, body: unknown) => request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }).then((response) => response.body.text());

  it('a call step: in flight when the destination gets it, then completed in the same record', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({
      'f.yaml': `id: orders\ntrigger:\n  webhook: { path: orders }\nsteps:\n  - id: create\n    call: { url: "${vendorUrl}/orders", body: trigger.body }\n`,
    });
    store = weft.store;
    try {
      await hook(`${weft.url}/hooks/orders`, { id: 'A-1' });
      assert.equal((await settledRuns(weft, 'orders', 1)).succeeded, 1);
      const [call] = await weft.store.listCalls({ now: Date.now() });
      const key = call!.requestHeaders['idempotency-key']!;
      assert.deepEqual(
        onRecordAtArrival.get(key)?.map((atArrival) => [atArrival.id, atArrival.status, atArrival.error, atArrival.unanswered, atArrival.requestBody]),
        [[call!.id, null, NO_ANSWER_YET, 'in-flight', '{"id":"A-1"}']],
      );
      assert.deepEqual([call!.attempt, call!.status, call!.error, call!.unanswered, call!.responseBody], [1, 201, null, undefined, '{"id":"SO-1"}']);
    } finally {
      store = undefined;
      await weft.close();
    }
  });

  it('a connector request: in flight when the vendor gets it, then completed', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft(
      {
        'f.yaml': `id: vendor-orders\ntrigger:\n  webhook: { path: vendor-orders }\nsteps:\n  - id: create\n    call: { connection: vendor, action: create-order, input: '{ "id": trigger.body.id }' }\n`,
      },
      {
        connectors: [vendorConnector],
        prepare: async (prepared) => {
          await prepared.connections.put({ id: 'vendor', connectorId: 'audit-vendor', config: { baseUrl: vendorUrl }, now: Date.now() });
          await openVault(prepared.secrets, process.env).vault.put('vendor', 'token', 'vendor-token');
        },
      },
    );
    store = weft.store;
    try {
      await hook(`${weft.url}/hooks/vendor-orders`, { id: 'B-2' });
      assert.equal((await settledRuns(weft, 'vendor-orders', 1)).succeeded, 1);
      const [call] = await weft.store.listCalls({ now: Date.now() });
      const key = call!.requestHeaders['idempotency-key']!;
      assert.deepEqual(
        onRecordAtArrival.get(key)?.map((atArrival) => [atArrival.id, atArrival.unanswered, atArrival.connection, atArrival.requestHeaders.authorization]),
        [[call!.id, 'in-flight', 'vendor', '[REDACTED]']],
      );
      assert.deepEqual([call!.attempt, call!.status, call!.unanswered], [1, 201, undefined]);
    } finally {
      store = undefined;
      await weft.close();
    }
  });

  it('a destination on hold: no record of a request that did not leave, one for the request sent after', { timeout: 30_000 }, async () => {
    const heldUntil = Date.now() + 1_500;
    const weft = await startTestWeft(
      { 'f.yaml': `id: held\ntrigger:\n  webhook: { path: held }\nsteps:\n  - id: create\n    call: { url: "${vendorUrl}/orders", body: trigger.body }\n` },
      { prepare: (prepared) => prepared.holdDestination(vendorUrl, heldUntil) },
    );
    try {
      await hook(`${weft.url}/hooks/held`, { id: 'C-3' });
      const [run] = await weft.store.listRuns({ flowId: 'held' });
      for (;;) {
        const detail = await weft.store.getRun(run!.id);
        if (detail?.status === 'waiting') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(await weft.store.listCalls({ runId: run!.id, now: Date.now() }), [], 'postponed by the hold, nothing was sent');
      assert.equal((await settledRuns(weft, 'held', 1)).succeeded, 1);
      const calls = await weft.store.listCalls({ runId: run!.id, now: Date.now() });
      assert.deepEqual(calls.map((call) => [call.attempt, call.status]), [[1, 201]]);
      assert.ok(calls[0]!.at >= heldUntil, 'sent after the hold');
    } finally {
      await weft.close();
    }
  });
});
