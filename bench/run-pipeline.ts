import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent } from 'undici';
import { systemClock, systemRandom } from '../packages/weft/src/core/clock.ts';
import { makeOrder } from '../packages/weft/src/demo/shop.ts';
import { createEngine } from '../packages/weft/src/engine/engine.ts';
import { loadFlows } from '../packages/weft/src/flows/load-flow.ts';
import { observeStore } from '../packages/weft/src/store/observed-store.ts';
import { createSqliteStore, type SqliteStore } from '../packages/weft/src/store/sqlite/sqlite-store.ts';
import { createExpressionEngine } from '../packages/weft/src/transforms/expression.ts';

/**
 * The engine without its HTTP ingress: `engine.accept()` in a closed loop of `--concurrency`
 * callers, on the SQLite store, for three flow shapes — a run that ends at once (`when`), the
 * bench's map step alone (`map`), and map → call to an ERP sandbox in a child process (`call`).
 * Reports this process's CPU per event (everything the engine does for it but HTTP in), commits
 * per event and bytes written per event (`/proc/self/io`), so each part of a run can be priced
 * by difference: `node --import tsx bench/run-pipeline.ts [--events 10000] [--shapes when,map,call]`.
 */

const mapStep = `  - id: toErp
    map: '{ "externalId": $string(trigger.body.order_number), "currency": trigger.body.currency, "lines": [trigger.body.line_items.{ "sku": sku, "quantity": quantity, "unitPrice": $number(price) }] }'
`;
export const stepsOf: Record<string, (erpUrl: string) => string> = {
  when: () => `  - id: stop\n    when: 'false'\n    otherwise: end\n`,
  map: () => mapStep,
  call: (erpUrl) => `${mapStep}  - id: createOrder\n    call: { method: POST, url: "${erpUrl}/api/sales-orders", body: steps.toErp }\n`,
};

/** The ERP runs in its own process, so its CPU is not counted as the engine's. */
export async function startErpProcess(): Promise<{ url: string; child: ChildProcess }> {
  const script = `import { startErp } from ${JSON.stringify(fileURLToPath(new URL('../packages/weft/src/demo/erp.ts', import.meta.url)))};
    const erp = await startErp(); process.stdout.write('erp ' + erp.url + '\\n');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /erp (\S+)/.exec(String(chunk));
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the ERP exited with ${code}`)));
  });
  return { url, child };
}

function bytesWritten(): number {
  return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

interface Result {
  cpuMicrosPerEvent: number;
  commitsPerEvent: number;
  bytesPerEvent: number;
}

export interface Pipeline {
  /** The database file; its `-wal` beside it. */
  dbPath: string;
  sqlite: SqliteStore;
  /**
   * Accepts `orders` (dedupe ids `order-<firstN + index>`) through `concurrency` callers, and
   * waits until every run so far has succeeded. Orders are built by the caller, outside any
   * measurement.
   */
  process(orders: unknown[], firstN: number, concurrency: number): Promise<void>;
  close(): Promise<void>;
}

/** The engine without HTTP, running one shape of the bench flow on a fresh SQLite file. */
export async function startPipeline(shape: string, erpUrl: string): Promise<Pipeline> {
  const steps = stepsOf[shape];
  if (steps === undefined) throw new Error(`the shapes are ${Object.keys(stepsOf).join(', ')}; got ${shape}`);
  const dir = mkdtempSync(join(tmpdir(), 'weft-run-pipeline-'));
  mkdirSync(join(dir, 'flows'));
  writeFileSync(
    join(dir, 'flows', 'bench.flow.yaml'),
    `id: bench-orders\ntrigger:\n  webhook:\n    path: bench/orders\n    dedupeKey: trigger.headers."x-shopify-webhook-id"\nsteps:\n${steps(erpUrl)}`,
  );
  const expressions = createExpressionEngine({ budgetMs: 1000 });
  const { flows, diagnostics } = await loadFlows([join(dir, 'flows')], { engine: expressions, env: process.env });
  if (diagnostics.length > 0) throw new Error(`the bench flow does not load: ${diagnostics[0]!.message}`);
  const dbPath = join(dir, 'weft.db');
  const sqlite = createSqliteStore({ path: dbPath });
  const store = observeStore(sqlite);
  const dispatcher = new Agent({ connections: 64 });
  const engine = createEngine({
    store,
    clock: systemClock,
    random: systemRandom,
    log: pino({ level: 'warn' }),
    flows,
    workerId: 'bench',
    concurrency: 32,
    leaseMs: 30_000,
    pollIntervalMs: 250,
    auditBodyBytes: 64 * 1024,
    redactFields: [],
    dispatcher,
    // The bench flows run no code step.
    egressAllow: [],
    // The bench flows call no connection.
    connections: undefined as never,
  });
  const flow = flows[0]!;
  let accepted = 0;
  return {
    dbPath,
    sqlite,
    async process(orders, firstN, concurrency) {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < orders.length) {
            const index = next++;
            const headers = { 'content-type': 'application/json', 'x-shopify-webhook-id': `order-${firstN + index}` };
            await engine.accept(flow, { source: 'webhook', headers, query: {}, body: orders[index] });
          }
        }),
      );
      accepted += orders.length;
      while ((await store.countRuns()).succeeded < accepted) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async close() {
      await engine.stop(5000);
      await store.close();
      await expressions.close();
      await dispatcher.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function makeOrders(firstN: number, count: number): unknown[] {
  return Array.from({ length: count }, (_, index) => makeOrder(firstN + index));
}

async function measure(shape: string, erpUrl: string, options: { events: number; warmup: number; concurrency: number }): Promise<Result> {
  const { events, warmup, concurrency } = options;
  const pipeline = await startPipeline(shape, erpUrl);
  try {
    await pipeline.process(makeOrders(0, warmup), 0, concurrency);
    const measured = makeOrders(warmup, events);
    const commitsBefore = pipeline.sqlite.commitCount();
    const bytesBefore = bytesWritten();
    const cpuBefore = cpuMicros();
    await pipeline.process(measured, warmup, concurrency);
    return {
      cpuMicrosPerEvent: (cpuMicros() - cpuBefore) / events,
      commitsPerEvent: (pipeline.sqlite.commitCount() - commitsBefore) / events,
      bytesPerEvent: (bytesWritten() - bytesBefore) / events,
    };
  } finally {
    await pipeline.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '10000' },
      warmup: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '32' },
      shapes: { type: 'string', default: 'when,map,call' },
      repeats: { type: 'string', default: '3' },
    },
  });
  const events = Number(values.events);
  const warmup = Number(values.warmup);
  const concurrency = Number(values.concurrency);
  const repeats = Number(values.repeats);
  const shapes = values.shapes.split(',');
  for (const shape of shapes) if (!(shape in stepsOf)) throw new Error(`--shapes takes when, map and call; got ${shape}`);

  const erp = await startErpProcess();
  try {
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
    for (const shape of shapes) {
      const results: Result[] = [];
      for (let repeat = 0; repeat < repeats; repeat++) results.push(await measure(shape, erp.url, { events, warmup, concurrency }));
      const cpu = results.map((r) => r.cpuMicrosPerEvent);
      process.stdout.write(
        `${shape.padEnd(4)}  ${median(cpu).toFixed(0).padStart(4)} µs CPU/event (runs ${cpu.map((v) => v.toFixed(0)).join(', ')}), ` +
          `${median(results.map((r) => r.commitsPerEvent)).toFixed(3)} commits/event, ${(median(results.map((r) => r.bytesPerEvent)) / 1024).toFixed(1)} KiB written/event\n`,
      );
    }
  } finally {
    erp.child.kill();
  }
}

// wal-pages.ts imports the pipeline; only running this file runs the benchmark.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
