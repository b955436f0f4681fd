import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A flows folder with one webhook → map → call flow to `ERP_URL`, for end-to-end tests. */
export function writeOrderFlow(options: { retry?: string; extraCall?: string } = {}): { dir: string; flows: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-e2e-'));
  const flows = join(dir, 'flows');
  mkdirSync(flows);
  writeFileSync(
    join(flows, 'orders.flow.yaml'),
    `id: orders
trigger:
  webhook:
    path: shop/orders
    signature: { scheme: shopify, secret: "\${env:SHOP_WEBHOOK_SECRET}" }
    dedupeKey: trigger.headers."x-shopify-webhook-id"
${options.retry ?? 'retry: { maxAttempts: 20, initialDelay: 100ms, maxDelay: 1s }'}
steps:
  - id: salesOrder
    map: '{ "externalId": $string(trigger.body.order_number), "currency": trigger.body.currency, "lines": [trigger.body.line_items.{ "sku": sku, "quantity": quantity, "unitPrice": $number(price) }] }'
  - id: create
    call:
      url: \${env:ERP_URL}/api/sales-orders
      body: steps.salesOrder
      destination: The ERP
      describe: '"order " & $string(trigger.body.order_number)'
${options.extraCall ?? ''}`,
  );
  return { dir, flows, db: join(dir, 'weft.db') };
}
