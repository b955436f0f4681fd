import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { erpCatalogue } from './erp.ts';

/**
 * A local shop that sends Shopify-style signed `orders/create` webhooks. Orders are derived from
 * their number alone, so a test, the demo and the benchmark can rebuild exactly what was sent.
 */

export const shopDomain = 'weft-demo.myshopify.com';
const firstOrderNumber = 5_000_000;
const epochMs = Date.UTC(2026, 0, 1);
const unknownSku = 'ABC-9';

const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson'];
const cities = [
  { city: 'Berlin', zip: '10115', country_code: 'DE' },
  { city: 'Lyon', zip: '69001', country_code: 'FR' },
  { city: 'Utrecht', zip: '3511', country_code: 'NL' },
  { city: 'Porto', zip: '4000-001', country_code: 'PT' },
];

export function orderNumberOf(n: number): number {
  return firstOrderNumber + n;
}

/** The webhook id Shopify would keep across retries of one delivery of order `n`. */
export function webhookIdOf(n: number): string {
  return `b54557e4-bdd9-4b37-8a5f-${n.toString(16).padStart(12, '0')}`;
}

/** A deterministic ~1 KB Shopify-like order; `badSku` makes its last line an SKU the ERP does not know. */
export function makeOrder(n: number, options: { badSku?: boolean } = {}): Record<string, unknown> {
  const firstName = firstNames[n % firstNames.length] ?? 'Ada';
  const lastName = lastNames[(n >> 3) % lastNames.length] ?? 'Lovelace';
  const place = cities[n % cities.length] ?? cities[0];
  const email = `${firstName.toLowerCase()}.${lastName.toLowerCase()}+${n}@example.com`;
  const lineCount = 1 + (n % 3);
  const lineItems = Array.from({ length: lineCount }, (_, index) => {
    const sku = options.badSku && index === lineCount - 1 ? unknownSku : (erpCatalogue[(n * 7 + index * 3) % erpCatalogue.length] ?? 'CAP-BLACK');
    const priceCents = 900 + ((n * 31 + index * 17) % 40) * 100;
    return {
      id: 10_000_000 + n * 10 + index,
      sku,
      title: sku.toLowerCase().replaceAll('-', ' '),
      quantity: 1 + ((n + index) % 4),
      price: (priceCents / 100).toFixed(2),
    };
  });
  const subtotalCents = lineItems.reduce((sum, line) => sum + Math.round(Number(line.price) * 100) * line.quantity, 0);
  const shippingCents = 490;
  const createdAt = new Date(epochMs + n * 60_000).toISOString();
  const address = {
    first_name: firstName,
    last_name: lastName,
    address1: `${(n % 200) + 1} Example Street`,
    city: place?.city,
    zip: place?.zip,
    country_code: place?.country_code,
    phone: `+49 30 ${String(1_000_000 + n).slice(-7)}`,
  };
  return {
    id: 5_100_000_000 + n,
    order_number: orderNumberOf(n),
    name: `#${orderNumberOf(n)}`,
    email,
    created_at: createdAt,
    updated_at: createdAt,
    currency: 'EUR',
    financial_status: 'paid',
    source_name: 'web',
    tags: 'weft-demo',
    subtotal_price: (subtotalCents / 100).toFixed(2),
    total_price: ((subtotalCents + shippingCents) / 100).toFixed(2),
    shipping_lines: [{ code: 'standard', title: 'Standard shipping', price: (shippingCents / 100).toFixed(2) }],
    customer: { id: 7_000_000 + (n % 500), email, first_name: firstName, last_name: lastName },
    shipping_address: address,
    billing_address: address,
    line_items: lineItems,
  };
}

/** Shopify's `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body. */
export function shopifyHmac(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export interface DeliveryOptions {
  hookUrl: string;
  secret: string;
  order: object;
  webhookId: string;
  nowMs: number;
  dispatcher?: Dispatcher;
}

export async function deliverOrder(options: DeliveryOptions): Promise<{ status: number; body: string }> {
  const rawBody = JSON.stringify(options.order);
  const response = await request(options.hookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/create',
      'x-shopify-hmac-sha256': shopifyHmac(rawBody, options.secret),
      'x-shopify-shop-domain': shopDomain,
      'x-shopify-api-version': '2025-01',
      'x-shopify-webhook-id': options.webhookId,
      'x-shopify-triggered-at': new Date(options.nowMs).toISOString(),
    },
    body: rawBody,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  return { status: response.statusCode, body: await response.body.text() };
}

export interface ShopRunOptions {
  hookUrl: string;
  secret: string;
  orders: number;
  ratePerSecond: number;
  /** Every Nth order is delivered a second time with the same webhook id, as Shopify does after a lost acknowledgement. */
  duplicateEvery?: number;
  badSkuEvery?: number;
  /** Number of the first order; later runs pass a higher one so order numbers stay unique. */
  firstOrder?: number;
  /** Tries per delivery on network errors and 5xx, the first included. */
  maxAttempts?: number;
  retryDelayMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export interface ShopRunResult {
  /** Deliveries made, duplicates included; retries of one delivery count once. */
  sent: number;
  /** Deliveries that ended with a 2xx. */
  acknowledged: number;
  duplicatesSent: number;
}

/** Sends orders at a steady rate without waiting for earlier acknowledgements, like a busy storefront. */
export async function runShop(options: ShopRunOptions): Promise<ShopRunResult> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const maxAttempts = options.maxAttempts ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const firstOrder = options.firstOrder ?? 1;
  const intervalMs = 1000 / options.ratePerSecond;
  const dispatcher = new Agent({ connections: 16 });
  const result: ShopRunResult = { sent: 0, acknowledged: 0, duplicatesSent: 0 };

  async function deliverWithRetries(n: number, order: object, label: string): Promise<void> {
    result.sent += 1;
    const webhookId = webhookIdOf(n);
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      let outcome: string;
      try {
        const { status } = await deliverOrder({ hookUrl: options.hookUrl, secret: options.secret, order, webhookId, nowMs: now(), dispatcher });
        if (status >= 200 && status < 300) {
          result.acknowledged += 1;
          log(`shop: order #${orderNumberOf(n)}${label} → ${status}`);
          return;
        }
        if (status < 500) {
          log(`shop: order #${orderNumberOf(n)}${label} → ${status}, not retried`);
          return;
        }
        outcome = String(status);
      } catch (error) {
        outcome = (error as { code?: string }).code ?? (error as Error).message;
      }
      if (attempt === maxAttempts) {
        log(`shop: order #${orderNumberOf(n)}${label} → ${outcome}, gave up after ${maxAttempts} attempts`);
        return;
      }
      log(`shop: order #${orderNumberOf(n)}${label} → ${outcome}, retrying`);
      await sleep(retryDelayMs * 2 ** (attempt - 1));
    }
  }

  async function deliverOne(n: number, index: number): Promise<void> {
    const isBad = options.badSkuEvery !== undefined && (index + 1) % options.badSkuEvery === 0;
    const order = makeOrder(n, { badSku: isBad });
    await deliverWithRetries(n, order, isBad ? ' (unknown SKU)' : '');
    if (options.duplicateEvery !== undefined && (index + 1) % options.duplicateEvery === 0) {
      result.duplicatesSent += 1;
      await deliverWithRetries(n, order, ' (duplicate delivery)');
    }
  }

  try {
    // Pacing uses the monotonic timer; `now` only stamps the deliveries, so a test clock cannot stall the sender.
    const startedAt = performance.now();
    const deliveries: Promise<void>[] = [];
    for (let index = 0; index < options.orders; index += 1) {
      const waitMs = startedAt + index * intervalMs - performance.now();
      if (waitMs > 0) await sleep(waitMs);
      deliveries.push(deliverOne(firstOrder + index, index));
    }
    await Promise.all(deliveries);
    return result;
  } finally {
    await dispatcher.close();
  }
}
