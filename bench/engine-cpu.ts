import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startErp } from '../packages/weft/src/demo/erp.ts';
import { benchFlow, cpuMs, hookPath, prepareEvents, secret, type PreparedEvent } from './webhook-throughput.ts';

/**
 * CPU milliseconds the engine process spends per delivered event, under the webhook-throughput
 * workload. Throughput on a shared 2-core machine swings with whatever else runs; the engine's
 * own CPU time per event barely does, so this is the number to compare two versions with.
 * `--cpu-prof <dir>` also writes a V8 CPU profile of the measured engine (open it in Chrome
 * DevTools, or summarise it with `node --import tsx bench/summarise-profile.ts`). `--baseline
 * <bin>` measures another checkout's engine too, alternating with this one run by run.
 */

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    repeats: { type: 'string', default: '3' },
    weft: { type: 'string', default: 'packages/weft/bin/weft.js' },
    baseline: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const events = Number(values.events);
const warmup = Number(values.warmup);
const concurrency = Number(values.concurrency);
const repeats = Number(values.repeats);

async function send(pool: Pool, batch: PreparedEvent[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batch.length) {
        const event = batch[next++]!;
        const response = await pool.request({ method: 'POST', path: hookPath, headers: event.headers, body: event.body });
        await response.body.dump();
        if (response.statusCode >= 300) throw new Error(`answered ${response.statusCode}`);
      }
    }),
  );
}

function linuxCpuMs(pid: number, thread: 'all' | 'main'): number {
  const ms = cpuMs(pid, thread);
  if (ms === null) throw new Error('engine-cpu reads CPU time from /proc: it runs on Linux only');
  return ms;
}

interface Result {
  /** The event loop's thread: the one that saturates first. */
  cpuMsPerEvent: number;
  /** Every thread of the process: GC helpers, the thread pool, workers. */
  processCpuMsPerEvent: number;
  deliveredPerSecond: number;
}

async function runOnce(weftBin: string, repeat: number): Promise<Result> {
  let created = 0;
  let onCreated = () => {};
  const erp = await startErp({ onCreate: () => ((created += 1), onCreated()) });
  const workDir = await mkdtemp(join(tmpdir(), 'weft-cpu-'));
  await mkdir(join(workDir, 'flows'));
  await writeFile(join(workDir, 'flows', 'bench-orders.flow.yaml'), benchFlow);
  const profiling = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profiling, weftBin, 'start', '--flows', join(workDir, 'flows'), '--db', join(workDir, 'weft.db'), '--port', '0'],
    {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', WEFT_LOG_LEVEL: 'warn', BENCH_SECRET: secret, ERP_URL: erp.url, WEFT_EGRESS_ALLOW: new URL(erp.url).host },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /weft listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`weft exited with ${code}`)));
  });
  const pool = new Pool(url, { connections: concurrency });
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      onCreated = () => created >= count && resolve();
      onCreated();
    });
  try {
    await send(pool, prepareEvents(1, warmup, `r${repeat}w`));
    await until(warmup);
    const measured = prepareEvents(1_000_000, events, `r${repeat}`);
    const cpuBefore = linuxCpuMs(child.pid!, 'main');
    const processCpuBefore = linuxCpuMs(child.pid!, 'all');
    const startedAt = performance.now();
    await send(pool, measured);
    await until(warmup + events);
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      cpuMsPerEvent: (linuxCpuMs(child.pid!, 'main') - cpuBefore) / events,
      processCpuMsPerEvent: (linuxCpuMs(child.pid!, 'all') - processCpuBefore) / events,
      deliveredPerSecond: events / seconds,
    };
  } finally {
    await pool.close();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await erp.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

const targets = values.baseline ? { engine: values.weft!, baseline: values.baseline } : { engine: values.weft! };
const results = new Map<string, Result[]>();
for (let repeat = 1; repeat <= repeats; repeat++) {
  // Alternating, and swapping who goes first, spreads the machine's other load over both.
  const order = repeat % 2 === 1 ? Object.entries(targets) : Object.entries(targets).reverse();
  for (const [name, bin] of order) {
    const result = await runOnce(bin, repeat);
    results.set(name, [...(results.get(name) ?? []), result]);
    process.stdout.write(`run ${repeat} ${name}: ${describe(result)}\n`);
  }
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const [name, list] of results) {
  const medianOf = (key: keyof Result) => median(list.map((r) => r[key]));
  process.stdout.write(
    `median ${name}: ${describe({ cpuMsPerEvent: medianOf('cpuMsPerEvent'), processCpuMsPerEvent: medianOf('processCpuMsPerEvent'), deliveredPerSecond: medianOf('deliveredPerSecond') })}\n`,
  );
}

function describe(result: Result): string {
  return `${result.cpuMsPerEvent.toFixed(3)} ms event-loop CPU/event (process ${result.processCpuMsPerEvent.toFixed(3)}), ${result.deliveredPerSecond.toFixed(0)} delivered/s`;
}
