/**
 * `call: { connection, action }` end to end: a connector defined with @weft/sdk, a connection
 * whose API key lives encrypted in the vault, the ERP sandbox demanding it. Covers the effect
 * ledger through connectors, input validation, vendor errors as exception sentences, the
 * canary secret that must appear nowhere but the encrypted column, and master-key rotation
 * while the engine serves.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { request } from 'undici';
import { bearer, defineAction, defineConnector, schema } from '@weft/sdk';
import { startErp, type Erp } from '../src/demo/erp.ts';
import { generateMasterKey, parseMasterKey } from '../src/connectors/vault/master-key.ts';
import { openVault } from '../src/connectors/vault/open-vault.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';
import { listenOnLoopback } from './support/loopback.ts';
import { maxInAnyWindow } from '../src/connectors/rate-limit/virtual-time.ts';
import { openOutbound, openStore } from '../src/main.ts';
import { testConnection } from '../src/connectors/test-connection.ts';

const CANARY = 'canary-9f2e61b4d3c8a7';
const WEFT_BIN = fileURLToPath(new URL('../bin/weft.js', import.meta.url));

const createSalesOrder = defineAction({
  id: 'create-sales-order',
  name: 'Create a sales order',
  input: schema.Object({
    externalId: schema.String({ minLength: 1 }),
    lines: schema.Array(schema.Object({ sku: schema.String(), quantity: schema.Integer({ minimum: 1 }), unitPrice: schema.Number() }), { minItems: 1 }),
  }),
  output: schema.Object({ id: schema.String(), externalId: schema.String() }, { additionalProperties: true }),
  request: (input) => ({ method: 'POST', path: '/api/sales-orders', body: input }),
});
const listOrders = defineAction({
  id: 'find-orders',
  name: 'Find sales orders',
  input: schema.Object({ externalId: schema.Optional(schema.String()) }),
  output: schema.Unknown(),
  request: (input) => ({ method: 'GET', path: '/api/sales-orders', query: { externalId: input.externalId ?? 'connection-test' } }),
});
const testErp = defineConnector({
  id: 'test-erp',
  name: 'The ERP',
  baseUrl: 'https://erp.invalid',
  auth: [bearer()],
  rateLimit: { requestsPerSecond: 10 },
  actions: [createSalesOrder, listOrders],
  testAction: 'find-orders',
});

function flow(input: string): string {
  return `id: erp-orders
trigger:
  webhook: { path: erp-orders }
retry: { maxAttempts: 2, initialDelay: 50ms, maxDelay: 100ms }
steps:
  - id: create
    call:
      connection: erp
      action: create-sales-order
      input: '${input}'
      describe: '"order " & trigger.body.id'
`;
}

const GOOD_INPUT = '{ "externalId": trigger.body.id, "lines": [{ "sku": trigger.body.sku, "quantity": 1, "unitPrice": 5 }] }';

async function post(url: string, body: unknown) {
  const response = await request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await response.body.text();
  return response.statusCode;
}

describe('connectors end to end', () => {
  let erp: Erp;
  const masterKey = generateMasterKey();
  before(async () => {
    erp = await startErp({ bearerToken: CANARY });
    process.env.WEFT_MASTER_KEY = masterKey;
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await erp.close();
  });

  async function startWithConnection(flowText: string) {
    return startTestWeft(
      { 'f.yaml': flowText },
      {
        connectors: [testErp],
        prepare: async (store) => {
          await store.connections.put({ id: 'erp', connectorId: 'test-erp', config: { baseUrl: erp.url }, now: Date.now() });
          await openVault(store.secrets, process.env).vault.put('erp', 'token', CANARY);
        },
      },
    );
  }

  it('calls an action through a connection: once, authenticated, audited without the secret', { timeout: 30_000 }, async () => {
    const weft = await startWithConnection(flow(GOOD_INPUT));
    try {
      assert.equal(await post(`${weft.url}/hooks/erp-orders`, { id: 'conn-1', sku: 'CAP-BLACK' }), 202);
      assert.equal((await settledRuns(weft, 'erp-orders', 1)).succeeded, 1);
      assert.equal(erp.stats().creationsPerOrder['conn-1'], 1);
      const [run] = await weft.store.listRuns({ flowId: 'erp-orders' });
      const detail = await weft.store.getRun(run!.id);
      assert.equal((detail?.checkpoints[0]?.output as { externalId: string }).externalId, 'conn-1');
      const [call] = await weft.store.listCalls({ runId: run!.id, now: Date.now() });
      assert.equal(call?.status, 201);
      assert.equal(call?.connection, 'erp', 'the console filters calls by connection');
      assert.equal(call?.requestHeaders.authorization, '[REDACTED]');
      assert.match(call?.requestHeaders['idempotency-key'] ?? '', /^weft-/);
      const sent = erp.requestLog().find((r) => r.idempotencyKey === call?.requestHeaders['idempotency-key']);
      assert.ok(sent, 'the ERP received the idempotency key');
    } finally {
      await weft.close();
    }
  });

  it('turns invalid input and vendor errors into exceptions a person can act on', { timeout: 30_000 }, async () => {
    const weft = await startWithConnection(flow(GOOD_INPUT));
    try {
      await post(`${weft.url}/hooks/erp-orders`, { id: 'conn-2', sku: 'ABC-9' });
      await post(`${weft.url}/hooks/erp-orders`, { sku: 'CAP-BLACK' });
      await settledRuns(weft, 'erp-orders', 2);
      const exceptions = await weft.store.listExceptions({ flowId: 'erp-orders' });
      const byReason = Object.fromEntries(exceptions.map((e) => [e.reason, e]));
      assert.equal(byReason.validation?.reason, 'validation');
      const messages = exceptions.map((e) => e.message).sort();
      assert.ok(messages.some((m) => /^The ERP rejected order conn-2: SKU 'ABC-9' does not exist \(HTTP 422\)\.$/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /input of The ERP action 'create-sales-order' is invalid: \/externalId/.test(m)), messages.join('\n'));
    } finally {
      await weft.close();
    }
  });

  it('keeps calls within the connection rate limit, and a Retry-After pauses the whole connection', { timeout: 60_000 }, async () => {
    const weft = await startWithConnection(flow(GOOD_INPUT).replace('maxAttempts: 2', 'maxAttempts: 5'));
    try {
      const logStart = erp.requestLog().length;
      erp.setFaults({ rateLimit: { retryAfterSeconds: 2, count: 1 } });
      await Promise.all(Array.from({ length: 40 }, (_, n) => post(`${weft.url}/hooks/erp-orders`, { id: `rl-${n}`, sku: 'CAP-BLACK' })));
      assert.equal((await settledRuns(weft, 'erp-orders', 40, 30_000)).succeeded, 40);
      const log = erp.requestLog().slice(logStart).filter((r) => r.method === 'POST');
      const times = log.map((r) => r.at);
      assert.ok(maxInAnyWindow(times, 1_000) <= 10, `at most 10 requests in any second, saw ${maxInAnyWindow(times, 1_000)}`);
      const refused = log.find((r) => r.status === 429);
      assert.ok(refused, 'the ERP rate-limited once');
      // Requests already on the wire when the 429 came back may land; none is sent after it for 2 s.
      const late = log.filter((r) => r.at > refused.at + 50 && r.at < refused.at + 2_000);
      assert.deepEqual(late, [], 'nothing was sent during the pause');
      for (let n = 0; n < 40; n++) assert.equal(erp.stats().creationsPerOrder[`rl-${n}`], 1);
    } finally {
      erp.setFaults({});
      await weft.close();
    }
  });

  it('keeps the canary secret out of the database (outside the encrypted column), the audit log and CLI output', { timeout: 60_000 }, async () => {
    const weft = await startWithConnection(flow(GOOD_INPUT));
    try {
      await post(`${weft.url}/hooks/erp-orders`, { id: 'conn-3', sku: 'CAP-BLACK' });
      await post(`${weft.url}/hooks/erp-orders`, { id: 'conn-4', sku: 'ABC-9' });
      await settledRuns(weft, 'erp-orders', 2);
    } finally {
      await weft.close();
    }
    const dir = weft.dir;
    for (const file of readdirSync(dir).filter((name) => name.startsWith('weft.db'))) {
      assert.equal(readFileSync(join(dir, file)).includes(CANARY), false, `${file} holds the canary in clear`);
    }
    const cli = (...args: string[]) => spawnSync(process.execPath, [WEFT_BIN, ...args, '--db', weft.config.db], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    for (const args of [['calls', '--full', '--json'], ['exceptions', '--json'], ['connections', 'list', '--json'], ['runs', '--json']]) {
      const result = cli(...args);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout.includes(CANARY) || result.stderr.includes(CANARY), false, `weft ${args.join(' ')} printed the canary`);
    }
    // `weft connections test` needs the connector in the CLI's registry; this one is the test's own.
    const store = await openStore(weft.config);
    const outbound = openOutbound(weft.config, store, [testErp]);
    try {
      const result = await testConnection(await outbound.connections.resolve('erp'), { dispatcher: outbound.dispatcher, auditBodyBytes: 1000, redactFields: [] });
      assert.deepEqual({ action: result.action, status: result.status }, { action: 'find-orders', status: 200 });
    } finally {
      await outbound.dispatcher.close();
      await store.close();
    }
  });

  it('re-wraps every secret under a new master key while the engine serves, with no failed call', { timeout: 60_000 }, async () => {
    const keyFile = join(process.env.TMPDIR ?? '/tmp', `weft-key-${process.pid}`);
    const previousFile = `${keyFile}.previous`;
    writeFileSync(keyFile, masterKey, { mode: 0o600 });
    delete process.env.WEFT_MASTER_KEY;
    process.env.WEFT_MASTER_KEY_FILE = keyFile;
    const weft = await startWithConnection(flow(GOOD_INPUT));
    try {
      const sendBatch = async (from: number) => {
        for (let n = from; n < from + 20; n++) assert.equal(await post(`${weft.url}/hooks/erp-orders`, { id: `rot-${n}`, sku: 'CAP-BLACK' }), 202);
      };
      await sendBatch(0);
      // Rotation as an operator does it: the new key becomes current, the old one previous.
      const newKey = generateMasterKey();
      writeFileSync(previousFile, masterKey, { mode: 0o600 });
      writeFileSync(keyFile, newKey, { mode: 0o600 });
      const sending = sendBatch(100);
      const rotated = spawnSync(process.execPath, [WEFT_BIN, 'vault', 'rotate', '--json', '--db', weft.config.db], {
        encoding: 'utf8',
        env: { ...process.env, WEFT_MASTER_KEY_FILE: keyFile, WEFT_MASTER_KEY_PREVIOUS_FILE: previousFile },
      });
      assert.equal(rotated.status, 0, rotated.stderr);
      const result = JSON.parse(rotated.stdout) as { rewrapped: number; unreadable: unknown[] };
      assert.ok(result.rewrapped >= 1);
      assert.deepEqual(result.unreadable, []);
      await sending;
      // Both keys stay loadable until the engine restarts; then the old key may go.
      process.env.WEFT_MASTER_KEY_PREVIOUS_FILE = previousFile;
      await sendBatch(200);
      const counts = await settledRuns(weft, 'erp-orders', 60);
      assert.equal(counts.succeeded, 60, `every call succeeded: ${JSON.stringify(counts)}`);
      const rows = await weft.store.secrets.listByKid('none', 100);
      assert.ok(rows.length > 0);
      assert.deepEqual(new Set(rows.map((row) => row.kid)), new Set([parseMasterKey(newKey).id]), 'the new key wraps everything now');
    } finally {
      delete process.env.WEFT_MASTER_KEY_FILE;
      delete process.env.WEFT_MASTER_KEY_PREVIOUS_FILE;
      process.env.WEFT_MASTER_KEY = masterKey;
      await weft.close();
    }
  });
  it("keeps a key the vendor quotes in its refusal out of the exception's sentence", { timeout: 30_000 }, async () => {
    // A vendor that refuses the key it was sent and says which, as some do ("API key … is disabled").
    const vendor = createServer((req, res) => {
      const token = String(req.headers.authorization).replace(/^Bearer /, '');
      req.resume().on('end', () => res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `API key ${token} may not create sales orders` })));
    });
    const { url, close } = await listenOnLoopback(vendor);
    const weft = await startTestWeft(
      { 'f.yaml': flow(GOOD_INPUT) },
      {
        connectors: [testErp],
        prepare: async (store) => {
          await store.connections.put({ id: 'erp', connectorId: 'test-erp', config: { baseUrl: url }, now: Date.now() });
          await openVault(store.secrets, process.env).vault.put('erp', 'token', CANARY);
        },
      },
    );
    try {
      assert.equal(await post(`${weft.url}/hooks/erp-orders`, { id: 'conn-quoted', sku: 'CAP-BLACK' }), 202);
      await settledRuns(weft, 'erp-orders', 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'erp-orders' });
      assert.match(exception?.message ?? '', /API key \[REDACTED\] may not create sales orders/);
      assert.doesNotMatch(exception!.message, new RegExp(CANARY));
    } finally {
      await weft.close();
      await close();
    }
  });
});
