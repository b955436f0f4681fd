/**
 * The engine end to end, in-process: real HTTP in, real HTTP out to the ERP sandbox, real
 * SQLite. Each test names the behaviour the issue asks for.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import Database from 'better-sqlite3';
import { startErp, type Erp } from '../src/demo/erp.ts';
import { deliverOrder, makeOrder, shopifyHmac, webhookIdOf } from '../src/demo/shop.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { waitFor } from './support/engine-process.ts';
import type { RunningWeft } from '../src/main.ts';

const SECRET = 'e2e-secret';
process.env.E2E_SECRET = SECRET;

function orderFlow(id: string, options: { retry?: string; extra?: string; path?: string } = {}): string {
  return `id: ${id}
trigger:
  webhook:
    path: ${options.path ?? id}
    signature: { scheme: shopify, secret: "\${env:E2E_SECRET}" }
    dedupeKey: trigger.headers."x-shopify-webhook-id"
${options.retry ?? 'retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 200ms }'}
${options.extra ?? ''}
steps:
  - id: salesOrder
    map: '{ "externalId": $string(trigger.body.order_number), "lines": [trigger.body.line_items.{ "sku": sku, "quantity": quantity, "unitPrice": $number(price) }] }'
  - id: create
    call:
      url: \${env:ERP_URL}/api/sales-orders
      body: steps.salesOrder
      destination: the ERP
      describe: '"order " & $string(trigger.body.order_number)'
`;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** Bytes on a socket, for requests no HTTP client would send. Answers the whole response. */
function rawRequest(baseUrl: string, text: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk)).on('end', () => resolve(answer)).on('error', reject);
  });
}

describe('engine end to end', () => {
  let erp: Erp;
  before(async () => {
    erp = await startErp();
    process.env.ERP_URL = erp.url;
  });
  after(async () => erp.close());

  it('a 429 with Retry-After: 3 holds every call to that destination for 3 s', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('limited', { retry: 'retry: { maxAttempts: 5, initialDelay: 50ms, maxDelay: 100ms }' }) });
    try {
      erp.setFaults({ rateLimit: { retryAfterSeconds: 3, count: 1 } });
      const logStart = erp.requestLog().length;
      const deliver = (n: number) => deliverOrder({ hookUrl: `${weft.url}/hooks/limited`, secret: SECRET, order: makeOrder(n), webhookId: `limited-${n}`, nowMs: Date.now() });
      await deliver(100);
      await waitFor(() => erp.requestLog().some((r) => r.status === 429), 5_000, 'the 429');
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let n = 101; n < 106; n++) await deliver(n);
      const counts = await settledRuns(weft, 'limited', 6);
      assert.equal(counts.succeeded, 6);
      const log = erp.requestLog().slice(logStart);
      const refused = log.find((r) => r.status === 429);
      assert.ok(refused, 'the ERP refused one request');
      const after429 = log.filter((r) => r.at > refused.at);
      assert.ok(after429.length >= 6, 'every order was sent after the hold');
      for (const r of after429) assert.ok(r.at - refused.at >= 3_000, `a request came ${r.at - refused.at} ms after the 429`);
    } finally {
      erp.setFaults({});
      await weft.close();
    }
  });

  it('a Retry-After of years holds the destination for a day at most, and fails no run', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('patient') });
    try {
      erp.setFaults({ rateLimit: { retryAfterSeconds: 99_999_999_999_999, count: 1 } });
      const deliver = (n: number) => deliverOrder({ hookUrl: `${weft.url}/hooks/patient`, secret: SECRET, order: makeOrder(n), webhookId: `patient-${n}`, nowMs: Date.now() });
      await deliver(700);
      await waitFor(async () => (await weft.store.countRuns('patient')).waiting === 1, 5_000, 'the first run waiting after its 429');
      await deliver(701);
      await waitFor(async () => (await weft.store.countRuns('patient')).waiting === 2, 5_000, 'the second run postponed by the hold');
      const dayFromNow = Date.now() + 24 * 3_600_000;
      for (const run of await weft.store.listRuns({ flowId: 'patient' })) assert.ok(run.dueAt <= dayFromNow + 1_000, `due at ${new Date(run.dueAt).toISOString()}`);
      assert.equal((await weft.store.countRuns('patient')).exception, 0);
    } finally {
      erp.setFaults({});
      await weft.close();
    }
  });

  it('a 5xx storm: retries with backoff, then destination-down exceptions; replay after recovery delivers each once', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('storm') });
    try {
      erp.setFaults({ failureRate: 1 });
      const orders = [200, 201, 202, 203];
      for (const n of orders) await deliverOrder({ hookUrl: `${weft.url}/hooks/storm`, secret: SECRET, order: makeOrder(n), webhookId: `storm-${n}`, nowMs: Date.now() });
      const counts = await settledRuns(weft, 'storm', orders.length);
      assert.equal(counts.exception, orders.length);
      const exceptions = await weft.store.listExceptions({ flowId: 'storm' });
      for (const exception of exceptions) {
        assert.equal(exception.reason, 'destination-down');
        assert.match(exception.message, /^The ERP is failing \(HTTP 503\)/);
        assert.equal(exception.stepPath, 'create');
        const calls = await weft.store.listCalls({ runId: exception.runId, now: Date.now() });
        assert.equal(calls.length, 3, 'maxAttempts: 3 tries');
        assert.deepEqual(calls.map((c) => c.attempt), [1, 2, 3]);
        assert.ok(calls[1]!.at > calls[0]!.at && calls[2]!.at > calls[1]!.at);
      }
      erp.setFaults({});
      for (const exception of exceptions) await weft.store.replayException(exception.id, { now: Date.now() });
      weft.engine.kick();
      await settledRuns(weft, 'storm', orders.length);
      const after = await weft.store.countRuns('storm');
      assert.equal(after.succeeded, orders.length);
      for (const n of orders) assert.equal(erp.stats().creationsPerOrder[String(5_000_000 + n)], 1);
      await assert.rejects(weft.store.replayException(exceptions[0]!.id, { now: Date.now() }), /not open|replayed/i);
    } finally {
      erp.setFaults({});
      await weft.close();
    }
  });

  it('replay with an edited input never repeats an effect the ledger shows as done', { timeout: 30_000 }, async () => {
    const flow = `id: two-calls
trigger:
  webhook: { path: two-calls }
steps:
  - id: first
    call:
      url: \${env:ERP_URL}/api/sales-orders
      body: '{ "externalId": trigger.body.id & "-a", "lines": [{ "sku": "CAP-BLACK", "quantity": 1, "unitPrice": 5 }] }'
  - id: second
    call:
      url: \${env:ERP_URL}/api/sales-orders
      body: '{ "externalId": trigger.body.id & "-b", "lines": [{ "sku": trigger.body.sku, "quantity": 1, "unitPrice": 5 }] }'
      destination: the ERP
`;
    const weft = await startTestWeft({ 'f.yaml': flow });
    try {
      const ack = await post(`${weft.url}/hooks/two-calls`, JSON.stringify({ id: 'edit-1', sku: 'ABC-9' }));
      assert.equal(ack.status, 202);
      await settledRuns(weft, 'two-calls', 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'two-calls' });
      assert.ok(exception);
      assert.equal(exception.reason, 'validation');
      assert.match(exception.message, /^The ERP rejected .*SKU 'ABC-9' does not exist \(HTTP 422\)\.$/);
      assert.equal(erp.stats().creationsPerOrder['edit-1-a'], 1);

      await weft.store.replayException(exception.id, { now: Date.now(), input: { id: 'edit-1', sku: 'CAP-BLACK' } });
      weft.engine.kick();
      await settledRuns(weft, 'two-calls', 1);
      const run = await weft.store.getRun(exception.runId);
      assert.equal(run?.status, 'succeeded');
      assert.equal(erp.stats().creationsPerOrder['edit-1-a'], 1, 'the done effect was not sent weft');
      assert.equal(erp.stats().creationsPerOrder['edit-1-b'], 1);
      const firstCalls = (await weft.store.listCalls({ runId: exception.runId, now: Date.now() })).filter((c) => c.stepPath === 'first');
      assert.equal(firstCalls.length, 1);
    } finally {
      await weft.close();
    }
  });

  it('a replay whose edited input would send other data for a done effect parks as a conflict, not a silent reuse', { timeout: 30_000 }, async () => {
    const flow = `id: lines
trigger:
  webhook: { path: lines }
steps:
  - id: perLine
    each: trigger.body.lines
    steps:
      - id: create
        call:
          url: \${env:ERP_URL}/api/sales-orders
          body: '{ "externalId": "line-" & item.sku, "lines": [{ "sku": item.sku, "quantity": 1, "unitPrice": 5 }] }'
`;
    const weft = await startTestWeft({ 'f.yaml': flow });
    try {
      assert.equal((await post(`${weft.url}/hooks/lines`, JSON.stringify({ lines: [{ sku: 'CAP-BLACK' }, { sku: 'TSHIRT-RED-M' }, { sku: 'ABC-9' }] }))).status, 202);
      await settledRuns(weft, 'lines', 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'lines' });
      assert.equal(exception?.stepPath, 'perLine[2].create');
      // The operator drops the first line and fixes the third: every line moves up one place.
      await weft.store.replayException(exception.id, { now: Date.now(), input: { lines: [{ sku: 'TSHIRT-RED-M' }, { sku: 'CAP-BLUE' }] } });
      weft.engine.kick();
      await settledRuns(weft, 'lines', 1);
      const [conflict] = await weft.store.listExceptions({ flowId: 'lines', status: 'open' });
      assert.deepEqual([conflict?.reason, conflict?.stepPath], ['conflict', 'perLine[0].create'], 'perLine[0] was CAP-BLACK, now TSHIRT-RED-M');
      assert.match(conflict!.message, /was already done for different data/);
      assert.equal(erp.stats().creationsPerOrder['line-CAP-BLUE'], undefined, 'nothing after the conflict was sent');
      assert.equal(erp.stats().creationsPerOrder['line-TSHIRT-RED-M'], 1);
    } finally {
      await weft.close();
    }
  });

  it('bad input gets a clear answer and changes nothing', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('strict') });
    try {
      const hook = `${weft.url}/hooks/strict`;
      const malformed = '{"order_number": 1,';
      const bad = await post(hook, malformed, { 'x-shopify-hmac-sha256': shopifyHmac(malformed, SECRET), 'x-shopify-webhook-id': 'm1' });
      assert.equal(bad.status, 400);
      assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
      assert.match(JSON.parse(bad.text).detail, /not valid JSON/);

      const huge = Buffer.alloc(10 * 1024 * 1024, 'a');
      const tooLarge = await post(hook, huge, { 'x-shopify-hmac-sha256': shopifyHmac(huge, SECRET), 'x-shopify-webhook-id': 'm2' });
      assert.equal(tooLarge.status, 413);
      assert.match(String(tooLarge.headers['content-type']), /^application\/problem\+json/);

      const body = JSON.stringify(makeOrder(1));
      const forged = await post(hook, body, { 'x-shopify-hmac-sha256': shopifyHmac(body, 'wrong-secret'), 'x-shopify-webhook-id': 'm3' });
      assert.equal(forged.status, 401);
      assert.doesNotMatch(forged.text, new RegExp(SECRET));

      const unknown = await post(`${weft.url}/hooks/nobody-here`, '{}');
      assert.equal(unknown.status, 404);

      const runs = await weft.store.countRuns('strict');
      assert.equal(Object.values(runs).reduce((a, b) => a + b, 0), 0, 'no run was created');
    } finally {
      await weft.close();
    }
  });

  it('the ingress answers malformed requests with problem+json and commits none of them', { timeout: 30_000 }, async () => {
    const plain = `id: plain\ntrigger:\n  webhook:\n    path: plain\nsteps:\n  - id: stop\n    when: 'false'\n    otherwise: end\n`;
    const roomy = plain.replace(/plain/g, 'roomy').replace('path: roomy', 'path: roomy\n    maxBodyBytes: 3000000');
    const small = plain.replace(/plain/g, 'small').replace('path: small', 'path: small\n    maxBodyBytes: 1000');
    const weft = await startTestWeft({ 'plain.yaml': plain, 'roomy.yaml': roomy, 'small.yaml': small });
    try {
      const problem = async (answer: { status: number; headers: Record<string, unknown>; text: string }, status: number, detail: RegExp) => {
        assert.equal(answer.status, status, answer.text);
        assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
        assert.match(JSON.parse(answer.text).detail, detail);
      };
      // Two bodies that differ only in invalid bytes would decode to the same text.
      await problem(await post(`${weft.url}/hooks/plain`, Buffer.from([...Buffer.from('{"key":"'), 0xff, ...Buffer.from('"}')])), 400, /not valid UTF-8/);
      await problem(await post(`${weft.url}/hooks/plain`, '['.repeat(5000) + ']'.repeat(5000)), 400, /nests deeper than 100 levels/);
      // A flow without its own limit keeps the default (1 MiB), whatever another flow allows.
      const twoMegabytes = JSON.stringify({ filler: 'x'.repeat(2_000_000) });
      await problem(await post(`${weft.url}/hooks/plain`, twoMegabytes), 413, /the limit is 1048576 bytes/);
      assert.equal((await post(`${weft.url}/hooks/roomy`, twoMegabytes)).status, 202);
      // Over what any flow accepts: refused before reading, with the limit of the flow called.
      await problem(await post(`${weft.url}/hooks/small`, Buffer.alloc(3_500_000, ' ')), 413, /the limit is 1000 bytes/);
      await problem(await post(`${weft.url}/hooks/%E0%A4%A`, '{}'), 400, /./);
      const raw = await rawRequest(weft.url, 'POST /hooks/plain HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}');
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.match(raw, /content-type: application\/problem\+json/i);
      assert.equal(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).status, 400);

      const runs = await weft.store.countRuns('plain');
      assert.equal(Object.values(runs).reduce((a, b) => a + b, 0), 0, 'no run was created');
      // An empty Content-Type is read as none: the body is JSON.
      assert.equal((await post(`${weft.url}/hooks/plain`, '{"ok":true}', { 'content-type': '' })).status, 202);
    } finally {
      await weft.close();
    }
  });

  it('a call whose URL template renders no URL parks as a mapping exception that names the step', { timeout: 30_000 }, async () => {
    const flow = `id: routed\ntrigger:\n  webhook:\n    path: routed\nsteps:\n  - id: forward\n    call: { method: POST, url: '{{ trigger.body.target }}', body: trigger.body }\n`;
    const weft = await startTestWeft({ 'f.yaml': flow });
    try {
      assert.equal((await post(`${weft.url}/hooks/routed`, '{"target":"not a url"}')).status, 202);
      await settledRuns(weft, 'routed', 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'routed' });
      assert.equal(exception?.reason, 'mapping');
      assert.equal(exception?.stepPath, 'forward');
      assert.match(exception!.message, /^The URL of step 'forward' is not a valid URL once its template '\{\{ trigger\.body\.target \}\}' is filled in/);
    } finally {
      await weft.close();
    }
  });

  it('ordering keys that are objects stay distinct: {"id":1} and {"id":2} are two keys', { timeout: 30_000 }, async () => {
    const flow = `id: keyed\ntrigger:\n  webhook:\n    path: keyed\norderingKey: trigger.body.k\nsteps:\n  - id: stop\n    when: 'false'\n    otherwise: end\n`;
    const weft = await startTestWeft({ 'f.yaml': flow });
    try {
      const keys = [];
      for (const body of ['{"k":{"id":1}}', '{"k":{"id":2}}', '{"k":"plain"}']) {
        const { runId } = JSON.parse((await post(`${weft.url}/hooks/keyed`, body)).text);
        keys.push((await weft.store.getRun(runId))?.orderingKey);
      }
      assert.deepEqual(keys, ['{"id":1}', '{"id":2}', 'plain']);
    } finally {
      await weft.close();
    }
  });

  // Never ends, but notes its start and its abort in a file: code steps run in worker threads, which share no globals with the test.
  const FOREVER = `import { writeFileSync } from 'node:fs';
export function forever(input: { trigger: { body: { marker: string } } }, { signal }: { signal: AbortSignal }) {
  writeFileSync(input.trigger.body.marker, 'started');
  signal.addEventListener('abort', () => writeFileSync(input.trigger.body.marker, 'aborted'));
  return new Promise(() => {});
}
`;
  it('a shutdown does not wait past its grace for a code step that never ends: the run is handed back', { timeout: 30_000 }, async () => {
    const flow = `id: stuck\ntrigger:\n  webhook:\n    path: stuck\nsteps:\n  - id: forever\n    code: { module: ../forever.ts, export: forever }\n`;
    // shutdownTimeoutMs less the 5 s the HTTP server keeps: a grace of 1 s for in-flight runs.
    const weft = await startTestWeft({ 'f.yaml': flow }, { files: { 'forever.ts': FOREVER }, overrides: { shutdownTimeoutMs: 6_000 } });
    const marker = join(weft.dir, 'forever-state');
    const { runId } = JSON.parse((await post(`${weft.url}/hooks/stuck`, JSON.stringify({ marker }))).text);
    await waitFor(() => existsSync(marker), 5_000, 'the code step running');
    const db = weft.config.db;
    const started = Date.now();
    await weft.close();
    assert.ok(Date.now() - started < 4_000, `closing took ${Date.now() - started} ms`);
    assert.equal(readFileSync(marker, 'utf8'), 'aborted', 'the function was told through its signal');
    const store = createSqliteStore({ path: db });
    try {
      assert.equal((await store.getRun(runId))?.status, 'queued', 'released for the next start');
    } finally {
      await store.close();
    }
  });

  it('the audit log keeps the URL of a call without the credentials in its query', { timeout: 30_000 }, async () => {
    const flow = orderFlow('queried').replace('      body: steps.salesOrder\n', '      body: steps.salesOrder\n      query: { access_token: "query-secret-1", page: "2" }\n');
    const weft = await startTestWeft({ 'f.yaml': flow });
    try {
      await deliverOrder({ hookUrl: `${weft.url}/hooks/queried`, secret: SECRET, order: makeOrder(800), webhookId: 'queried-1', nowMs: Date.now() });
      await settledRuns(weft, 'queried', 1);
      const [run] = await weft.store.listRuns({ flowId: 'queried' });
      const [call] = await weft.store.listCalls({ runId: run!.id, now: Date.now() });
      assert.match(call!.url, /\?access_token=\[REDACTED\]&page=2$/);
      assert.doesNotMatch(JSON.stringify(call), /query-secret-1/);
    } finally {
      await weft.close();
    }
  });

  it('a header token is checked and never stored with the event', { timeout: 30_000 }, async () => {
    process.env.E2E_TOKEN = 'token-that-must-not-be-stored';
    const flow = `id: tokened\ntrigger:\n  webhook:\n    path: tokened\n    signature: { scheme: header-token, header: X-Shipment-Token, secret: "\${env:E2E_TOKEN}" }\nsteps:\n  - id: stop\n    when: 'false'\n    otherwise: end\n`;
    const weft = await startTestWeft({ 'f.yaml': flow });
    try {
      assert.equal((await post(`${weft.url}/hooks/tokened`, '{}', { 'x-shipment-token': 'wrong' })).status, 401);
      const accepted = await post(`${weft.url}/hooks/tokened`, '{"awb":"1"}', { 'x-shipment-token': process.env.E2E_TOKEN });
      assert.equal(accepted.status, 202);
      const run = await weft.store.getRun(JSON.parse(accepted.text).runId);
      assert.equal(run?.event.headers['x-shipment-token'], undefined);
      assert.doesNotMatch(JSON.stringify(run), /token-that-must-not-be-stored/);
    } finally {
      await weft.close();
    }
  });

  it('a call to an internal address that is not allow-listed is refused before it connects', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('guarded') }, { overrides: { egressAllow: [] } });
    try {
      const before = erp.stats().requests;
      await deliverOrder({ hookUrl: `${weft.url}/hooks/guarded`, secret: SECRET, order: makeOrder(500), webhookId: 'guarded-1', nowMs: Date.now() });
      await settledRuns(weft, 'guarded', 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'guarded' });
      assert.equal(exception?.reason, 'egress-denied');
      assert.match(exception!.message, /refused to connect to 127\.0\.0\.1 .*loopback.*WEFT_EGRESS_ALLOW/);
      assert.equal(erp.stats().requests, before, 'nothing reached the ERP');
      const calls = await weft.store.listCalls({ runId: exception!.runId, now: Date.now() });
      assert.equal(calls.length, 1, 'the refused call is in the audit log');
      assert.equal(calls[0]?.status, null);
    } finally {
      await weft.close();
    }
  });

  it('a duplicate delivery is acknowledged and not run again', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('dupes') });
    try {
      const hook = `${weft.url}/hooks/dupes`;
      const first = await deliverOrder({ hookUrl: hook, secret: SECRET, order: makeOrder(300), webhookId: webhookIdOf(300), nowMs: Date.now() });
      const second = await deliverOrder({ hookUrl: hook, secret: SECRET, order: makeOrder(300), webhookId: webhookIdOf(300), nowMs: Date.now() });
      assert.equal(first.status, 202);
      assert.equal(second.status, 200);
      assert.equal(JSON.parse(second.body).runId, JSON.parse(first.body).runId);
      await settledRuns(weft, 'dupes', 1);
      assert.equal(erp.stats().creationsPerOrder['5000300'], 1);
    } finally {
      await weft.close();
    }
  });

  it('a shutdown answers a webhook still waiting for its commit and does not wait out its keep-alive', { timeout: 40_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('closing') });
    const db = new Database(weft.config.db);
    db.exec('BEGIN EXCLUSIVE');
    try {
      const body = JSON.stringify(makeOrder(2));
      const answered = post(`${weft.url}/hooks/closing`, body, { 'x-shopify-hmac-sha256': shopifyHmac(body, SECRET), 'x-shopify-webhook-id': 'closing-1' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      await weft.close();
      // The 503 comes when the busy timeout (5 s) runs out; the kept-alive connection used to hold
      // the server's close for its keep-alive timeout (72 s) after that.
      assert.ok(Date.now() - started < 15_000, `closing took ${Date.now() - started} ms`);
      assert.equal((await answered).status, 503);
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
  });

  it('a store that cannot commit answers 503 with Retry-After, never a 2xx', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({ 'f.yaml': orderFlow('nostore') });
    const db = new Database(weft.config.db);
    try {
      db.exec('BEGIN EXCLUSIVE');
      const body = JSON.stringify(makeOrder(1));
      // The store's busy timeout (5 s) passes before it gives up.
      const answered = post(`${weft.url}/hooks/nostore`, body, { 'x-shopify-hmac-sha256': shopifyHmac(body, SECRET), 'x-shopify-webhook-id': 'ns1' });
      // Meanwhile the process serves: waiting for the lock does not block its event loop.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const started = Date.now();
      assert.equal((await request(`${weft.url}/healthz`)).statusCode, 200);
      assert.ok(Date.now() - started < 1000, `healthz took ${Date.now() - started} ms while the ingest waited for the lock`);
      const answer = await answered;
      assert.equal(answer.status, 503);
      assert.equal(answer.headers['retry-after'], '1');
      db.exec('COMMIT');
      assert.equal((await weft.store.countRuns('nostore')).queued, 0);
    } finally {
      db.close();
      await weft.close();
    }
  });

  it('a catastrophic regex fails its run with reason mapping within its budget; other runs keep flowing', { timeout: 30_000 }, async () => {
    const evil = `id: evil
mappingBudget: 300ms
trigger:
  webhook: { path: evil }
steps:
  - id: check
    map: '$match(trigger.body.text, /(a+)+$/)'
`;
    const weft = await startTestWeft({ 'evil.yaml': evil, 'f.yaml': orderFlow('healthy') });
    try {
      const started = Date.now();
      assert.equal((await post(`${weft.url}/hooks/evil`, JSON.stringify({ text: 'a'.repeat(40) + '!' }))).status, 202);
      for (let n = 400; n < 405; n++) {
        await deliverOrder({ hookUrl: `${weft.url}/hooks/healthy`, secret: SECRET, order: makeOrder(n), webhookId: `healthy-${n}`, nowMs: Date.now() });
      }
      assert.equal((await settledRuns(weft, 'healthy', 5)).succeeded, 5);
      await settledRuns(weft, 'evil', 1);
      const [exception] = await weft.store.listExceptions({ flowId: 'evil' });
      assert.equal(exception?.reason, 'mapping');
      assert.match(exception!.message, /time budget \(expression did not finish within its budget of \d+ ms; the flow's mappingBudget, or the mappingBudgetMs setting for every flow, raises it\)/);
      assert.ok(exception!.createdAt - started < 5_000, `took ${exception!.createdAt - started} ms`);
    } finally {
      await weft.close();
    }
  });

  it('runs sharing an ordering key execute one at a time, in event order', { timeout: 30_000 }, async () => {
    const slow = await startErp({ latencyMs: 40 });
    const flow = orderFlow('ordered', { extra: 'orderingKey: trigger.body.customer.id' }).replace('${env:ERP_URL}', slow.url);
    const weft = await startTestWeft({ 'f.yaml': flow });
    try {
      // Orders 0, 500, 1000 … share customer 7000000 (n % 500).
      const ns = [0, 500, 1000, 1500, 2000];
      await Promise.all(
        ns.map(async (n, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 5));
          await deliverOrder({ hookUrl: `${weft.url}/hooks/ordered`, secret: SECRET, order: makeOrder(n), webhookId: `ordered-${n}`, nowMs: Date.now() });
        }),
      );
      await settledRuns(weft, 'ordered', ns.length);
      const log = slow.requestLog().filter((r) => r.method === 'POST');
      const runs = await weft.store.listRuns({ flowId: 'ordered' });
      const eventOrder = runs.sort((a, b) => a.createdAt - b.createdAt).map((r) => r.id);
      assert.equal(eventOrder.length, ns.length);
      for (let i = 1; i < log.length; i++) assert.ok(log[i]!.at - log[i - 1]!.at >= 40, 'one at a time');
      const created = Object.keys(slow.stats().creationsPerOrder);
      const createdOrder = runs.map((r) => r.id);
      assert.equal(created.length, ns.length);
      assert.deepEqual(createdOrder, eventOrder);
    } finally {
      await weft.close();
      await slow.close();
    }
  });

  it('when, each, code and delay steps run and checkpoint per item', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft(
      { 'f.yaml': `id: shapes
trigger:
  webhook: { path: shapes }
steps:
  - id: hasLines
    when: $count(trigger.body.lines) > 0
  - id: pause
    delay: 200ms
  - id: perLine
    each: trigger.body.lines
    steps:
      - id: skipFree
        when: item.price > 0
        otherwise: skip
      - id: create
        call:
          url: \${env:ERP_URL}/api/sales-orders
          body: '{ "externalId": "shape-" & $string(index), "lines": [{ "sku": item.sku, "quantity": 1, "unitPrice": item.price }] }'
  - id: total
    code: { module: ../total.ts, export: total }
` },
      { files: { 'total.ts': 'export function total({ trigger }: { trigger: { body: { lines: { price: number }[] } } }) { return trigger.body.lines.reduce((s, l) => s + l.price, 0); }\n' } },
    );
    try {
      const started = Date.now();
      const lines = [{ sku: 'CAP-BLACK', price: 5 }, { sku: 'CAP-BLACK', price: 0 }, { sku: 'TSHIRT-RED-M', price: 7 }];
      assert.equal((await post(`${weft.url}/hooks/shapes`, JSON.stringify({ lines }))).status, 202);
      await settledRuns(weft, 'shapes', 1);
      const [summary] = await weft.store.listRuns({ flowId: 'shapes' });
      const run = await weft.store.getRun(summary!.id);
      assert.equal(run?.status, 'succeeded', run?.lastError ?? '');
      assert.ok(run!.finishedAt! - started >= 200, 'the delay waited');
      const paths = Object.fromEntries(run!.checkpoints.map((c) => [c.path, c]));
      assert.equal(paths['perLine[1].skipFree']?.outcome, 'skipped');
      assert.equal(paths['perLine[1].create'], undefined, 'the free line was skipped');
      assert.equal((paths['perLine[0].create']?.output as { status: number }).status, 201);
      assert.equal(paths['total']?.output, 12);
      assert.equal(erp.stats().creationsPerOrder['shape-0'], 1);
      assert.equal(erp.stats().creationsPerOrder['shape-2'], 1);
    } finally {
      await weft.close();
    }
  });

  it('a step whose output is not JSON fails at that step as an exception; later steps see outputs as stored', { timeout: 30_000 }, async () => {
    const flow = (id: string, steps: string) => `id: ${id}\ntrigger:\n  webhook: { path: ${id} }\nsteps:\n${steps}`;
    const weft = await startTestWeft(
      {
        'bigint.yaml': flow('bigint', `  - id: big\n    code: { module: ../outputs.ts, export: bigint }\n`),
        'lambda.yaml': flow('lambda', `  - id: fn\n    map: '{ "f": function($x) { $x } }'\n`),
        'date.yaml': flow('date', `  - id: when\n    code: { module: ../outputs.ts, export: date }\n  - id: seen\n    map: '$type(steps.when)'\n`),
      },
      {
        files: {
          'outputs.ts': `export function bigint() { return { n: 10n }; }\nexport function date() { return new Date(Date.UTC(2026, 0, 2)); }\n`,
        },
      },
    );
    try {
      for (const id of ['bigint', 'lambda', 'date']) assert.equal((await post(`${weft.url}/hooks/${id}`, '{}')).status, 202);
      for (const id of ['bigint', 'lambda', 'date']) await settledRuns(weft, id, 1);
      const runOf = async (flowId: string) => weft.store.getRun((await weft.store.listRuns({ flowId }))[0]!.id);
      const [bigint] = await weft.store.listExceptions({ flowId: 'bigint' });
      assert.equal((await runOf('bigint'))?.status, 'exception', 'never "succeeded" without its step');
      assert.deepEqual([bigint?.reason, bigint?.stepPath], ['bug', 'big']);
      assert.match(bigint!.message, /The step 'big' produced an output that cannot be stored as JSON: .*BigInt/);
      const [lambda] = await weft.store.listExceptions({ flowId: 'lambda' });
      assert.deepEqual([lambda?.reason, lambda?.stepPath], ['mapping', 'fn']);
      const date = await runOf('date');
      assert.equal(date?.status, 'succeeded');
      assert.deepEqual(
        date?.checkpoints.map((c) => c.output),
        ['2026-01-02T00:00:00.000Z', 'string'],
        'the next step saw the Date as a resumed run would: its ISO text',
      );
    } finally {
      await weft.close();
    }
  });
});

export type { RunningWeft };
