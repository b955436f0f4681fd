import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/**
 * The benchmark's baseline: what one would write by hand with no durability. It checks the
 * signature (every honest receiver must, and the engine does), answers 202 at once, then maps
 * the order exactly like the benchmark flow and forwards it. A crash loses whatever is in flight.
 */

export interface BareForwarderOptions {
  sinkUrl: string;
  /** Shopify webhook secret; without one, signatures are not checked. */
  secret?: string;
  port?: number;
  connections?: number;
}

export interface BareForwarder {
  url: string;
  close(): Promise<void>;
}

interface ShopifyOrder {
  order_number: number;
  currency: string;
  line_items: { sku: string; quantity: number; price: string }[];
}

function toSalesOrder(order: ShopifyOrder): unknown {
  return {
    externalId: String(order.order_number),
    currency: order.currency,
    lines: order.line_items.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPrice: Number(line.price) })),
  };
}

function isSignedBy(secret: string, rawBody: Buffer, signature: string | string[] | undefined): boolean {
  if (typeof signature !== 'string') return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startBareForwarder(options: BareForwarderOptions): Promise<BareForwarder> {
  const sink = new URL(options.sinkUrl);
  const pool = new Pool(sink.origin, { connections: options.connections ?? 32 });
  const sinkPath = `${sink.pathname.replace(/\/$/, '')}/api/sales-orders`;

  function forward(rawBody: Buffer, webhookId: string): void {
    let body: string;
    try {
      body = JSON.stringify(toSalesOrder(JSON.parse(rawBody.toString('utf8')) as ShopifyOrder));
    } catch {
      return;
    }
    pool
      .request({ method: 'POST', path: sinkPath, headers: { 'content-type': 'application/json', 'idempotency-key': webhookId }, body })
      .then((response) => response.body.dump())
      .catch(() => {});
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      if (options.secret !== undefined && !isSignedBy(options.secret, rawBody, request.headers['x-shopify-hmac-sha256'])) {
        response.writeHead(401).end();
        return;
      }
      response.writeHead(202).end();
      forward(rawBody, String(request.headers['x-shopify-webhook-id'] ?? ''));
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'sink-url': { type: 'string' },
      secret: { type: 'string' },
      port: { type: 'string', default: '0' },
    },
  });
  const sinkUrl = values['sink-url'];
  if (sinkUrl === undefined) throw new Error('--sink-url is required');
  const forwarder = await startBareForwarder({
    sinkUrl,
    port: Number(values.port),
    ...(values.secret !== undefined ? { secret: values.secret } : {}),
  });
  process.stdout.write(`forwarder listening on ${forwarder.url}\n`);
  const stop = (): void => {
    forwarder.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
