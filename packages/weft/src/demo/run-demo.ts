import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WeftConfig } from '../config.ts';
import { generateMasterKey } from '../connectors/vault/master-key.ts';
import type { RunStatus } from '../core/run.ts';
import { openStore, startWeft } from '../main.ts';
import { SHOPIFY_SANDBOX_CATALOG } from '@weft/connectors';
import { connectCommerceSandboxes, startCommerceSandboxes } from './commerce-sandboxes.ts';

const EXAMPLE_FLOWS = fileURLToPath(new URL('../../../../examples/order-to-cash/flows/', import.meta.url));
const FLOW_ID = 'order-to-cash';
/** A SKU the shop sells and NetSuite does not know: the order with it parks as an exception. */
const UNKNOWN_SKU = 'WEFT-CAP-BLUE';
const REPLACEMENT_SKU = 'WEFT-CAP-RED';

export interface DemoOptions {
  stdout: (line: string) => void;
  orders?: number;
  /** Close everything once the orders have settled (tests); otherwise serve until stopped. */
  exitWhenDone?: boolean;
}

export interface DemoSummary {
  sent: number;
  runs: Record<RunStatus, number>;
  /** Sales orders NetSuite holds for the demo's orders. */
  salesOrders: number;
  /** Exceptions opened, with the file holding each one's corrected input. */
  fixes: { exceptionId: string; message: string; inputFile: string }[];
}

/**
 * `weft demo`: order to cash over the vendors' sandboxes on loopback. A Shopify sandbox posts
 * signed order webhooks (every third one twice); the example flow takes each order through
 * NetSuite, Stripe, QuickBooks, FedEx, back to Shopify as a fulfillment, and texts the buyer.
 * Stripe answers a burst of 429s, NetSuite is down for the first seconds, and one order holds a SKU
 * NetSuite does not know, so a new user sees retries, an outage ridden out, and one exception with
 * a readable reason (announced in the Slack sandbox) that `weft replay --input` fixes.
 */
export async function runDemo(config: WeftConfig, options: DemoOptions): Promise<{ done: Promise<DemoSummary>; close(): Promise<void> }> {
  const say = options.stdout;
  startOnFreshStore(config, say);
  useDemoMasterKey(config);
  const sandboxes = await startCommerceSandboxes({ skusMissingInErp: [UNKNOWN_SKU] });
  const { shop, erp, payments, chat } = sandboxes.byConnection;

  // The connections exist before the flows load, as in any deployment (`weft connections add`).
  const store = await openStore(config);
  try {
    await connectCommerceSandboxes(store, sandboxes, process.env, Date.now());
  } finally {
    await store.close();
  }
  // The sandboxes are on loopback, which the egress guard refuses unless allow-listed.
  const egressAllow = [...config.egressAllow, ...sandboxes.hosts()];
  const weft = await startWeft({ ...config, flows: [EXAMPLE_FLOWS], logLevel: 'error', egressAllow }, { stdout: say });
  const orders = options.orders ?? 12;
  const before = await weft.store.countRuns(FLOW_ID);
  const knownExceptions = new Set((await weft.store.listExceptions({ flowId: FLOW_ID, limit: 1000 })).map((exception) => exception.id));

  say('');
  say(`Shopify → Weft → NetSuite, Stripe, QuickBooks, FedEx, Shopify, Twilio: ${orders} orders to ${weft.url}/hooks/shopify/orders`);
  say(`faults: Stripe answers 429 three times, NetSuite is down for 5 s, and NetSuite does not know SKU ${UNKNOWN_SKU}`);
  payments.faults.set({ rateLimit: { count: 3, retryAfterSeconds: 1 } });
  erp.faults.set({ outageUntil: Date.now() + 5_000 });

  const done = (async (): Promise<DemoSummary> => {
    const hook = `${weft.url}/hooks/shopify/orders`;
    for (let sent = 0; sent < orders; sent++) {
      // Every third order is delivered twice, as Shopify's retries do; Weft acknowledges and drops the repeat.
      await shop.webhooks.emit({ url: hook, type: 'orders/create', data: { skus: orderSkus(sent) }, duplicate: sent % 3 === 2 });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    let runs = await weft.store.countRuns(FLOW_ID);
    for (let waited = 0; waited < 120_000; waited += 2_000) {
      runs = await weft.store.countRuns(FLOW_ID);
      const open = runs.queued + runs.running + runs.waiting;
      say(`runs: ${runs.succeeded - before.succeeded} succeeded, ${open} in progress or waiting to retry, ${runs.exception - before.exception} exceptions`);
      if (open === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const exceptions = (await weft.store.listExceptions({ flowId: FLOW_ID, status: 'open', limit: 1000 })).filter((exception) => !knownExceptions.has(exception.id));
    const fixes = exceptions.map((exception) => ({
      exceptionId: exception.id,
      message: exception.message,
      inputFile: writeFix(config, exception.id, exception.input),
    }));
    const externalIds = (erp.state() as { salesOrders: { all(): { externalId?: string }[] } }).salesOrders
      .all()
      .map((order) => order.externalId)
      .filter((id) => id?.startsWith('shopify-order-'));
    const salesOrders = externalIds.length;
    const onceEach = new Set(externalIds).size === salesOrders ? 'each once' : 'SOME TWICE';
    const announced = (chat.state() as { messages: unknown[] }).messages.length;

    say('');
    say(`done: ${orders} orders sent, ${salesOrders} sales orders in NetSuite, ${onceEach}; ${fixes.length} parked, ${announced} announced in Slack #ops`);
    for (const fix of fixes) {
      say(`  ${fix.exceptionId}: ${fix.message}`);
      say(`  fix it: npm run weft -- replay ${fix.exceptionId} --input ${fix.inputFile}   (the input with ${UNKNOWN_SKU} → ${REPLACEMENT_SKU})`);
    }
    say('where to look (in another terminal, from this folder):');
    say('  npm run weft -- runs                  what ran');
    say('  npm run weft -- exceptions            what needs a person, in plain words');
    say('  npm run weft -- xref list             which ids in which systems are one record');
    say('  npm run weft -- calls --run <run-id>  every HTTP call a run made');
    say(`  console: ${weft.url}/   ·   sandboxes: ${Object.entries(sandboxes.byConnection).map(([name, sandbox]) => `${name} ${sandbox.url}`).join(', ')}`);
    return { sent: orders, runs, salesOrders, fixes };
  })();

  const close = async () => {
    await weft.close();
    await sandboxes.close();
  };
  if (options.exitWhenDone) {
    return { done: done.finally(close), close };
  }
  void done.then(() => say('the demo keeps serving; press Ctrl-C to stop'), (error) => say(`demo failed: ${(error as Error).message}`));
  return { done, close };
}

const SELLABLE = SHOPIFY_SANDBOX_CATALOG.map((item) => item.sku).filter((sku) => sku !== UNKNOWN_SKU);
/** The order with the SKU NetSuite lacks: the fifth, so the first orders show the happy path. */
const ORDER_WITH_UNKNOWN_SKU = 4;

/** What the `index`th order buys: one or two known products, and the unknown SKU in exactly one order. */
function orderSkus(index: number): string[] {
  const first = SELLABLE[index % SELLABLE.length]!;
  if (index === ORDER_WITH_UNKNOWN_SKU) return [first, UNKNOWN_SKU];
  return index % 3 === 0 ? [first, SELLABLE[(index + 2) % SELLABLE.length]!] : [first];
}

/** Beside a store the demo made; a store without it is someone else's, which the demo leaves alone. */
const DEMO_STORE_MARK = '.demo-store';
/** Where the previous demo's store is kept when a new demo starts. */
const PREVIOUS_DEMO = 'previous-demo';

/**
 * Every demo starts its sandboxes empty, so it starts on an empty store too: an earlier demo's
 * cross-references, payments and links point at records the new sandboxes do not hold, and every
 * order of a second run parked on them. The earlier store is kept, not deleted. A store the demo
 * did not make (a `weft start` in the same folder) is refused rather than moved.
 */
function startOnFreshStore(config: WeftConfig, say: (line: string) => void): void {
  if (config.database !== '' || config.db === ':memory:') return;
  const folder = dirname(config.db);
  const mark = join(folder, DEMO_STORE_MARK);
  if (existsSync(config.db)) {
    if (!existsSync(mark)) {
      throw new Error(
        `${relative(process.cwd(), config.db) || config.db} holds a store the demo did not make; run the demo on a store of its own: npm run demo -- --db .weft/demo/weft.db (and pass the same --db to the weft commands it prints)`,
      );
    }
    const kept = join(folder, PREVIOUS_DEMO);
    rmSync(kept, { recursive: true, force: true });
    mkdirSync(kept, { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(config.db + suffix)) renameSync(config.db + suffix, join(kept, `${basename(config.db)}${suffix}`));
    }
    say(`a new demo starts on a new store; the previous demo's store is kept in ${relative(process.cwd(), kept) || kept}`);
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(mark, 'made by weft demo: a new demo moves this folder’s store aside\n');
}

/**
 * The vault needs a master key; the demo keeps one beside its database so the store an earlier
 * run left (kept in previous-demo) can still be read. A key already in the environment wins.
 */
function useDemoMasterKey(config: WeftConfig): void {
  if (process.env.WEFT_MASTER_KEY || process.env.WEFT_MASTER_KEY_FILE) return;
  const file = join(dirname(config.db), 'demo-master.key');
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, generateMasterKey() + '\n', { mode: 0o600 });
  process.env.WEFT_MASTER_KEY_FILE = file;
}

/** Writes the exception's input with the unknown SKU replaced: what an operator would edit. */
function writeFix(config: WeftConfig, exceptionId: string, input: unknown): string {
  const file = join(dirname(config.db), 'demo-fixes', `${exceptionId}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(input, null, 2).replaceAll(UNKNOWN_SKU, REPLACEMENT_SKU) + '\n');
  return relative(process.cwd(), file) || file;
}
