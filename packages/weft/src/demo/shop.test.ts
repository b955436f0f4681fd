import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { erpCatalogue } from './erp.ts';
import { deliverOrder, makeOrder, runShop } from './shop.ts';

const secret = 'shpss_test_secret';

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A webhook receiver that answers from a script of statuses, then 202. */
function startReceiver(): Promise<{ url: string; received: Received[]; script: number[]; server: Server }> {
  const received: Received[] = [];
  const script: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, rawBody: Buffer.concat(chunks) });
      response.writeHead(script.shift() ?? 202).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hooks/shop/orders`, received, script, server });
    });
  });
}

function verifies(entry: Received): boolean {
  const expected = createHmac('sha256', secret).update(entry.rawBody).digest();
  const given = Buffer.from(String(entry.headers['x-shopify-hmac-sha256']), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('makeOrder', () => {
  it('is deterministic, about 1 KB, and uses catalogue SKUs unless asked for a bad one', () => {
    assert.deepEqual(makeOrder(42), makeOrder(42));
    assert.notDeepEqual(makeOrder(42), makeOrder(43));
    const order = makeOrder(42) as { order_number: number; line_items: { sku: string }[] };
    assert.equal(order.order_number, 5_000_042);
    const size = JSON.stringify(order).length;
    assert.ok(size > 800 && size < 1400, `size ${size}`);
    assert.ok(order.line_items.every((line) => erpCatalogue.includes(line.sku)));
    const bad = makeOrder(42, { badSku: true }) as { line_items: { sku: string }[] };
    assert.equal(bad.line_items.at(-1)?.sku, 'ABC-9');
  });
});

describe('deliverOrder and runShop', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

  it('signs the raw body so the receiver can verify it with the secret', async () => {
    receiver.received.length = 0;
    const nowMs = Date.UTC(2026, 2, 3, 4, 5, 6);
    const result = await deliverOrder({ hookUrl: receiver.url, secret, order: makeOrder(1), webhookId: 'wh-1', nowMs });
    assert.equal(result.status, 202);
    const [entry] = receiver.received;
    assert.ok(entry);
    assert.ok(verifies(entry));
    assert.equal(entry.headers['x-shopify-topic'], 'orders/create');
    assert.equal(entry.headers['x-shopify-webhook-id'], 'wh-1');
    assert.equal(entry.headers['x-shopify-triggered-at'], new Date(nowMs).toISOString());
    assert.deepEqual(JSON.parse(entry.rawBody.toString()), makeOrder(1));

    const tampered = { ...entry, rawBody: Buffer.concat([entry.rawBody, Buffer.from(' ')]) };
    assert.equal(verifies(tampered), false);
  });

  it('sends duplicates with the same webhook id and retries 5xx with the same id', async () => {
    receiver.received.length = 0;
    receiver.script.push(503);
    const lines: string[] = [];
    const result = await runShop({ hookUrl: receiver.url, secret, orders: 6, ratePerSecond: 500, duplicateEvery: 3, badSkuEvery: 2, retryDelayMs: 1, log: (line) => lines.push(line) });
    assert.deepEqual(result, { sent: 8, acknowledged: 8, duplicatesSent: 2 });
    assert.equal(receiver.received.length, 9);
    assert.ok(receiver.received.every(verifies));

    const ids = receiver.received.map((entry) => String(entry.headers['x-shopify-webhook-id']));
    const countsById = new Map<string, number>();
    for (const id of ids) countsById.set(id, (countsById.get(id) ?? 0) + 1);
    assert.equal(countsById.size, 6);
    assert.deepEqual([...countsById.values()].sort(), [1, 1, 1, 2, 2, 2]);

    const bodies = receiver.received.map((entry) => JSON.parse(entry.rawBody.toString()) as { line_items: { sku: string }[] });
    const badOrders = new Set(bodies.filter((body) => body.line_items.some((line) => line.sku === 'ABC-9')).map((body) => JSON.stringify(body)));
    assert.equal(badOrders.size, 3);
    assert.ok(lines.some((line) => line.includes('503, retrying')));
  });

  it('gives up after maxAttempts and does not count the delivery as acknowledged', async () => {
    receiver.script.push(500, 500);
    const result = await runShop({ hookUrl: receiver.url, secret, orders: 1, ratePerSecond: 100, maxAttempts: 2, retryDelayMs: 1 });
    assert.deepEqual(result, { sent: 1, acknowledged: 0, duplicatesSent: 0 });
  });
});
