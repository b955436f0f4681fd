import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startErp, type Erp } from './erp.ts';

const order = (externalId: string, sku = 'TSHIRT-RED-M') => ({
  externalId,
  customer: { email: 'ada@example.com' },
  lines: [{ sku, quantity: 2, unitPrice: 19.5 }],
  currency: 'EUR',
  total: 39,
});

async function post(erp: Erp, body: unknown, idempotencyKey?: string): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(`${erp.url}/api/sales-orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

describe('startErp', () => {
  let erp: Erp;
  let clockMs = Date.UTC(2026, 0, 1);
  let nextRandom = 0.99;
  const created: string[] = [];

  before(async () => {
    erp = await startErp({ now: () => clockMs, random: () => nextRandom, onCreate: (externalId) => created.push(externalId) });
  });
  after(() => erp.close());

  it('creates a sales order and replays the stored response for a repeated key', async () => {
    const first = await post(erp, order('5000001'), 'key-1');
    assert.equal(first.status, 201);
    assert.match(first.json.id, /^SO-\d{6}$/);
    assert.equal(first.json.externalId, '5000001');
    assert.equal(first.headers.get('idempotent-replayed'), null);

    const repeat = await post(erp, order('5000001'), 'key-1');
    assert.equal(repeat.status, 201);
    assert.deepEqual(repeat.json, first.json);
    assert.equal(repeat.headers.get('idempotent-replayed'), 'true');

    const stats = erp.stats();
    assert.equal(stats.created, 1);
    assert.equal(stats.replayedByKey, 1);
    assert.equal(stats.creationsPerOrder['5000001'], 1);
    assert.deepEqual(created, ['5000001']);
  });

  it('refuses a key reused with a different body', async () => {
    await post(erp, order('5000002'), 'key-2');
    const reused = await post(erp, order('5000003'), 'key-2');
    assert.equal(reused.status, 409);
    assert.equal(reused.json.error.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(erp.stats().creationsPerOrder['5000003'], undefined);
  });

  it('counts a second creation of one order under another key as a duplicate', async () => {
    const before = erp.stats().duplicateCreations;
    assert.equal((await post(erp, order('5000004'), 'key-4a')).status, 201);
    assert.equal((await post(erp, order('5000004'), 'key-4b')).status, 201);
    assert.equal((await post(erp, order('5000004'))).status, 201);
    const stats = erp.stats();
    assert.equal(stats.creationsPerOrder['5000004'], 3);
    assert.equal(stats.duplicateCreations - before, 2);

    const lookup = await (await fetch(`${erp.url}/api/sales-orders?externalId=5000004`)).json();
    assert.equal(lookup.data.length, 3);
  });

  it('answers an unknown SKU with 422 and does not store the failure under the key', async () => {
    const rejected = await post(erp, order('5000005', 'ABC-9'), 'key-5');
    assert.equal(rejected.status, 422);
    assert.deepEqual(rejected.json, { error: { code: 'UNKNOWN_SKU', message: "SKU 'ABC-9' does not exist" } });
    const again = await post(erp, order('5000005', 'ABC-9'), 'key-5');
    assert.equal(again.status, 422);
    assert.equal(again.headers.get('idempotent-replayed'), null);
    assert.equal(erp.stats().creationsPerOrder['5000005'], undefined);
  });

  it('answers malformed bodies with 400 and a message', async () => {
    const notJson = await post(erp, '{"externalId":');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.error.code, 'MALFORMED_JSON');
    const noLines = await post(erp, { externalId: '5000006', lines: [] });
    assert.equal(noLines.status, 400);
    assert.match(noLines.json.error.message, /lines/);
    const badQuantity = await post(erp, { externalId: '5000006', lines: [{ sku: 'CAP-BLACK', quantity: 0, unitPrice: 1 }] });
    assert.equal(badQuantity.status, 400);
    assert.match(badQuantity.json.error.message, /lines\[0\]\.quantity/);
  });

  it('injects 429 with Retry-After for the next requests, then recovers', async () => {
    erp.setFaults({ rateLimit: { retryAfterSeconds: 7, count: 2 } });
    for (let i = 0; i < 2; i += 1) {
      const limited = await post(erp, order('5000007'), 'key-7');
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '7');
    }
    assert.equal((await post(erp, order('5000007'), 'key-7')).status, 201);
    assert.equal(erp.stats().creationsPerOrder['5000007'], 1);
  });

  it('injects 503 during an outage and at the failure rate', async () => {
    erp.setFaults({ outageUntil: clockMs + 2500 });
    const down = await post(erp, order('5000008'), 'key-8');
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '3');
    clockMs += 2500;
    assert.equal((await post(erp, order('5000008'), 'key-8')).status, 201);

    erp.setFaults({ failureRate: 0.5 });
    nextRandom = 0.2;
    assert.equal((await post(erp, order('5000009'), 'key-9')).status, 503);
    nextRandom = 0.7;
    assert.equal((await post(erp, order('5000009'), 'key-9')).status, 201);
    erp.setFaults({});
  });

  it('serves faults, stats and health over HTTP for child-process tests', async () => {
    const set = await fetch(`${erp.url}/_faults`, { method: 'POST', body: JSON.stringify({ rateLimit: { retryAfterSeconds: 1, count: 1 } }) });
    assert.equal(set.status, 200);
    assert.equal((await post(erp, order('5000010'), 'key-10')).status, 429);
    assert.equal((await fetch(`${erp.url}/_faults`, { method: 'POST', body: '{"failureRate":2}' })).status, 400);

    const stats = await (await fetch(`${erp.url}/_stats`)).json();
    assert.deepEqual(stats, erp.stats());
    assert.ok(stats.faulted >= 1);
    assert.equal(stats.firstRequestAt, Date.UTC(2026, 0, 1));
    assert.equal((await fetch(`${erp.url}/health`)).status, 200);
  });

  it('logs every create request with its key and status', () => {
    const log = erp.requestLog();
    assert.equal(log.length, erp.stats().requests);
    assert.deepEqual(
      log.filter((entry) => entry.idempotencyKey === 'key-7').map((entry) => entry.status),
      [429, 429, 201],
    );
  });
});

describe('startErp with latency', () => {
  it('delays each answer by latencyMs', async () => {
    const erp = await startErp({ latencyMs: 40 });
    try {
      const startedAt = performance.now();
      assert.equal((await post(erp, order('1'), 'k')).status, 201);
      assert.ok(performance.now() - startedAt >= 39);
    } finally {
      await erp.close();
    }
  });
});
