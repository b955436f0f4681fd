import { writeFlowProject } from './flow-project.ts';

/** A flows folder with one webhook → map → call flow to `ERP_URL`, for end-to-end tests. */
export function writeOrderFlow(options: { retry?: string; extraCall?: string } = {}): { dir: string; flows: string; db: string } {
  return writeFlowProject('e2e', {
    'orders.flow.yaml': `id: orders
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
  });
}
