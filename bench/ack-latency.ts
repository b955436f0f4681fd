import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startErp } from '../packages/weft/src/demo/erp.ts';
import { benchFlow, drive, hookPath, percentile, prepareEvents, secret, spawnTarget, stopChild } from './webhook-throughput.ts';

/**
 * Ack latency at a fixed rate for three shapes of the bench flow, so the ack tail can be split
 * into what ingest costs and what the runs behind it cost: `end` (a run that ends at its first
 * step), `map` (the map step alone), `bench` (map → call the ERP, the webhook-throughput flow).
 * `node --import tsx bench/ack-latency.ts [--shapes end,map,bench] [--rate 1000] [--events 8000]
 * [--repeats 2] [--weft <bin>]`; shapes alternate within each repeat.
 */

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'end,map,bench' },
    rate: { type: 'string', default: '1000' },
    events: { type: 'string', default: '8000' },
    warmup: { type: 'string', default: '500' },
    repeats: { type: 'string', default: '2' },
    weft: { type: 'string', default: 'packages/weft/bin/weft.js' },
  },
});

const flows: Record<string, string> = {
  end: benchFlow.replace(/steps:[\s\S]*$/, `steps:\n  - id: stop\n    when: 'false'\n    otherwise: end\n`),
  map: benchFlow.replace(/ {2}- id: createOrder[\s\S]*$/, ''),
  bench: benchFlow,
};
const shapes = values.shapes.split(',');
for (const shape of shapes) if (!(shape in flows)) throw new Error(`--shapes takes end, map and bench; got ${shape}`);
const rate = Number(values.rate);
const events = Number(values.events);

const erp = await startErp();
try {
  for (let repeat = 1; repeat <= Number(values.repeats); repeat++) {
    for (const shape of shapes) {
      const dir = await mkdtemp(join(tmpdir(), 'weft-ack-'));
      try {
        await mkdir(join(dir, 'flows'));
        await writeFile(join(dir, 'flows', 'bench-orders.flow.yaml'), flows[shape]!);
        const { child, baseUrl } = await spawnTarget(
          [process.execPath, values.weft, 'start', '--flows', join(dir, 'flows'), '--db', join(dir, 'weft.db'), '--port', '0'],
          { ...process.env, NO_COLOR: '1', WEFT_LOG_LEVEL: 'warn', BENCH_SECRET: secret, ERP_URL: erp.url, WEFT_EGRESS_ALLOW: new URL(erp.url).host },
          /weft listening on (http:\/\/\S+)/,
        );
        const pool = new Pool(baseUrl, { connections: 64 });
        try {
          const tag = `${shape}-${repeat}-${Date.now()}`;
          await drive(pool, hookPath, prepareEvents(0, Number(values.warmup), `warm-${tag}`), { kind: 'rate', ratePerSecond: rate });
          const result = await drive(pool, hookPath, prepareEvents(0, events, tag), { kind: 'rate', ratePerSecond: rate });
          const ms = (fraction: number) => percentile(result.ackLatencyMs, fraction).toFixed(2).padStart(6);
          console.log(`run ${repeat} ${shape.padEnd(5)} ${rate}/s  ack p50 ${ms(0.5)}  p90 ${ms(0.9)}  p99 ${ms(0.99)}  max ${ms(1)} ms  refused ${result.failures}`);
        } finally {
          await pool.close();
          await stopChild(child);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  await erp.close();
}
