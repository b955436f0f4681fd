import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { WeftConfig } from '../config.ts';
import type { RunStatus } from '../core/run.ts';
import { startWeft } from '../main.ts';
import { startErp } from './erp.ts';
import { runShop } from './shop.ts';

const EXAMPLE_FLOWS = fileURLToPath(new URL('../../../../examples/flows/', import.meta.url));
const FLOW_ID = 'shop-orders-to-erp';

export interface DemoOptions {
  stdout: (line: string) => void;
  orders?: number;
  /** Close everything once the orders have settled (tests); otherwise serve until stopped. */
  exitWhenDone?: boolean;
}

export interface DemoSummary {
  sent: number;
  duplicatesSent: number;
  runs: Record<RunStatus, number>;
  erpCreated: number;
  erpDuplicateCreations: number;
}

/**
 * `weft demo`: a shop posting signed order webhooks, Weft on embedded SQLite, and an ERP
 * that sometimes fails. Orders flow, a few failures are retried, one order with an unknown
 * SKU is parked as an exception.
 */
export async function runDemo(config: WeftConfig, options: DemoOptions): Promise<{ done: Promise<DemoSummary>; close(): Promise<void> }> {
  const say = options.stdout;
  const erp = await startErp();
  // The flow reads these like any deployment would: from the environment.
  process.env.SHOP_WEBHOOK_SECRET ??= randomBytes(24).toString('hex');
  process.env.ERP_URL = erp.url;
  // The demo narrates on stdout; the store is the record, so the log only speaks of trouble.
  // The ERP sandbox is on loopback, which the egress guard refuses unless allow-listed.
  const egressAllow = [...config.egressAllow, new URL(erp.url).host];
  const weft = await startWeft({ ...config, flows: [EXAMPLE_FLOWS], logLevel: 'warn', egressAllow }, { stdout: say });
  const orders = options.orders ?? 30;
  const before = await weft.store.countRuns(FLOW_ID);
  const firstOrder = 1 + Object.values(before).reduce((a, b) => a + b, 0);

  say('');
  say(`shop → weft → ERP: sending ${orders} orders to ${weft.url}/hooks/shop/orders`);
  say(`the ERP at ${erp.url} fails 1 request in 4 for the first 10 s and rate-limits once; order ${5_000_000 + firstOrder + 19} has an unknown SKU`);
  erp.setFaults({ failureRate: 0.25, rateLimit: { retryAfterSeconds: 2, count: 1 } });
  const calmDown = setTimeout(() => erp.setFaults({}), 10_000);

  const done = (async (): Promise<DemoSummary> => {
    const shop = await runShop({
      hookUrl: `${weft.url}/hooks/shop/orders`,
      secret: process.env.SHOP_WEBHOOK_SECRET!,
      orders,
      ratePerSecond: 5,
      duplicateEvery: 9,
      badSkuEvery: 20,
      firstOrder,
    });
    let runs = await weft.store.countRuns(FLOW_ID);
    for (let waited = 0; waited < 90_000; waited += 2_000) {
      runs = await weft.store.countRuns(FLOW_ID);
      const open = runs.queued + runs.running + runs.waiting;
      say(`runs: ${runs.succeeded - before.succeeded} succeeded, ${open} in progress or waiting to retry, ${runs.exception - before.exception} exceptions; ERP created ${erp.stats().created} sales orders`);
      if (open === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const stats = erp.stats();
    say('');
    say(`done: ${shop.sent} deliveries (${shop.duplicatesSent} duplicates absorbed), ${stats.created} sales orders created, ${stats.duplicateCreations} duplicates, ${stats.faulted} injected ERP failures retried`);
    say('where to look (in another terminal, from this folder):');
    say('  npm run weft -- runs                  what ran');
    say('  npm run weft -- exceptions            what needs a person, in plain words');
    say('  npm run weft -- replay <exception-id> try one again (after fixing the data: --input edited.json)');
    say('  npm run weft -- calls --run <run-id>  every HTTP call a run made');
    say(`  ${weft.url}/health   ·   ${erp.url}/_stats`);
    return { sent: shop.sent, duplicatesSent: shop.duplicatesSent, runs, erpCreated: stats.created, erpDuplicateCreations: stats.duplicateCreations };
  })();

  const close = async () => {
    clearTimeout(calmDown);
    await weft.close();
    await erp.close();
  };
  if (options.exitWhenDone) {
    return { done: done.finally(close), close };
  }
  void done.then(() => say('the demo keeps serving; press Ctrl-C to stop'), (error) => say(`demo failed: ${(error as Error).message}`));
  return { done, close };
}
