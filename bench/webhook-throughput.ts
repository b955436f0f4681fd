import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool, type Dispatcher } from 'undici';
import { startErp, type Erp } from '../packages/weft/src/demo/erp.ts';
import { makeOrder, orderNumberOf } from '../packages/weft/src/demo/shop.ts';

/**
 * Webhook → ERP throughput and latency of the durable engine against a bare-Node forwarder,
 * measured in the same run on the same machine. See bench/README.md for the method.
 */

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const forwarderScript = join(repoRoot, 'bench/bare-forwarder.ts');
const floorScript = join(repoRoot, 'bench/durable-floor.ts');
export const secret = 'bench-shopify-secret';
export const hookPath = '/hooks/bench/orders';
const readyTimeoutMs = 30_000;
const clockTicksPerSecond = 100;

export const benchFlow = `id: bench-orders
trigger:
  webhook:
    path: bench/orders
    signature: { scheme: shopify, secret: "\${env:BENCH_SECRET}" }
    dedupeKey: trigger.headers."x-shopify-webhook-id"
steps:
  - id: toErp
    map: '{ "externalId": $string(trigger.body.order_number), "currency": trigger.body.currency, "lines": [trigger.body.line_items.{ "sku": sku, "quantity": quantity, "unitPrice": $number(price) }] }'
  - id: createOrder
    call: { method: POST, url: "\${env:ERP_URL}/api/sales-orders", body: steps.toErp }
`;

type TargetName = 'bare' | 'floor' | 'floor2' | 'weft';
export type Mode = { kind: 'max'; concurrency: number } | { kind: 'rate'; ratePerSecond: number };

interface Config {
  events: number;
  rateEvents: number;
  concurrency: number;
  ratePerSecond: number;
  warmup: number;
  repeats: number;
  targets: TargetName[];
  timeoutSeconds: number;
  /** The `weft` executable; another checkout's bin compares two versions of the engine. */
  weftBin: string;
  isJson: boolean;
}

interface Measurement {
  target: TargetName;
  mode: string;
  events: number;
  ackedPerSecond: number;
  deliveredPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  peakRssMb: number | null;
  /** CPU ms the target's main thread (its event loop) spent per measured event, from the first send to the last delivery. */
  loopCpuMsPerEvent: number | null;
  /** Measured events the sink had not received when the run timed out. */
  lost: number;
  /** Non-2xx answers or network errors at the door. */
  ackFailures: number;
  duplicateCreations: number;
}

export interface RunningTarget {
  hookUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export interface PreparedEvent {
  body: string;
  headers: Record<string, string>;
}

function parseConfig(): Config {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      'rate-events': { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '32' },
      rate: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '500' },
      repeats: { type: 'string', default: '3' },
      targets: { type: 'string', default: 'bare,weft' },
      'timeout-seconds': { type: 'string', default: '180' },
      weft: { type: 'string', default: join(repoRoot, 'packages/weft/bin/weft.js') },
      json: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
    return value;
  };
  const targets = values.targets.split(',').map((name) => name.trim());
  for (const name of targets) {
    if (name !== 'bare' && name !== 'floor' && name !== 'floor2' && name !== 'weft') throw new Error(`--targets takes bare, floor, floor2 and/or weft, got ${name}`);
  }
  return {
    events: positive('events', values.events),
    rateEvents: positive('rate-events', values['rate-events']),
    concurrency: positive('concurrency', values.concurrency),
    ratePerSecond: positive('rate', values.rate),
    warmup: Number(values.warmup),
    repeats: positive('repeats', values.repeats),
    targets: targets as TargetName[],
    timeoutSeconds: positive('timeout-seconds', values['timeout-seconds']),
    weftBin: values.weft,
    isJson: values.json,
  };
}

/** Runs a child and resolves once it prints `<name> listening on <url>`; its output is drained afterwards so it never blocks on a full pipe. */
export async function spawnTarget(command: string[], env: NodeJS.ProcessEnv, readyPattern: RegExp): Promise<{ child: ChildProcess; baseUrl: string }> {
  const [executable, ...args] = command;
  const child = spawn(executable ?? process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no "listening" line within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${command.join(' ')}: ${error.message}\n${stderrTail}`));
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = readyPattern.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        stdout = '';
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => fail(new Error(`exited early (code ${code}, signal ${signal})`)));
    child.once('error', fail);
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  child.removeAllListeners('exit');
  return { child, baseUrl };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

export async function startTarget(name: TargetName, erpUrl: string, workDir: string, weftBin: string): Promise<RunningTarget> {
  if (name === 'bare') {
    const { child, baseUrl } = await spawnTarget(
      [process.execPath, '--import', 'tsx', forwarderScript, '--sink-url', erpUrl, '--secret', secret],
      process.env,
      /forwarder listening on (http:\/\/\S+)/,
    );
    return { hookUrl: baseUrl + hookPath, pid: child.pid ?? 0, stop: () => stopChild(child) };
  }
  if (name === 'floor' || name === 'floor2') {
    const threads = name === 'floor2' ? '2' : '1';
    const { child, baseUrl } = await spawnTarget(
      [process.execPath, '--import', 'tsx', floorScript, '--sink-url', erpUrl, '--secret', secret, '--db', join(workDir, `${name}.db`), '--threads', threads],
      process.env,
      /floor listening on (http:\/\/\S+)/,
    );
    return { hookUrl: baseUrl + hookPath, pid: child.pid ?? 0, stop: () => stopChild(child) };
  }
  const flowsDir = join(workDir, 'flows');
  await mkdir(flowsDir, { recursive: true });
  await writeFile(join(flowsDir, 'bench-orders.flow.yaml'), benchFlow);
  const { child, baseUrl } = await spawnTarget(
    [process.execPath, weftBin, 'start', '--flows', flowsDir, '--db', join(workDir, 'weft.db'), '--port', '0'],
    { ...process.env, NO_COLOR: '1', WEFT_LOG_LEVEL: 'warn', BENCH_SECRET: secret, ERP_URL: erpUrl, WEFT_EGRESS_ALLOW: new URL(erpUrl).host },
    /weft listening on (http:\/\/\S+)/,
  );
  return { hookUrl: baseUrl + hookPath, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/** Bodies and signatures are built before the clock starts, so the generator's own HMAC work is not measured. */
export function prepareEvents(firstN: number, count: number, runTag: string): PreparedEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const n = firstN + index;
    const body = JSON.stringify(makeOrder(n));
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': `${runTag}-${n}`,
        'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
      },
    };
  });
}

export interface DriveResult {
  sentAt: Float64Array;
  ackLatencyMs: Float64Array;
  lastAckAt: number;
  failures: number;
  /** The first refusal, so a misconfigured run says why instead of only counting. */
  firstFailure?: string;
}

export async function drive(pool: Dispatcher, path: string, events: PreparedEvent[], mode: Mode): Promise<DriveResult> {
  const sentAt = new Float64Array(events.length);
  const ackLatencyMs = new Float64Array(events.length).fill(Number.NaN);
  let lastAckAt = 0;
  let failures = 0;
  let firstFailure: string | undefined;

  async function send(index: number, startAt: number): Promise<void> {
    const event = events[index];
    if (!event) return;
    sentAt[index] = startAt;
    try {
      const response = await pool.request({ method: 'POST', path, headers: event.headers, body: event.body });
      const isAcknowledged = response.statusCode >= 200 && response.statusCode < 300;
      const text = isAcknowledged ? (await response.body.dump(), '') : await response.body.text();
      const at = performance.now();
      if (isAcknowledged) {
        ackLatencyMs[index] = at - startAt;
        lastAckAt = Math.max(lastAckAt, at);
      } else {
        failures += 1;
        firstFailure ??= `${response.statusCode} ${text.slice(0, 300)}`;
      }
    } catch (error) {
      failures += 1;
      firstFailure ??= String(error);
    }
  }

  if (mode.kind === 'max') {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const index = next;
        next += 1;
        await send(index, performance.now());
      }
    };
    await Promise.all(Array.from({ length: mode.concurrency }, worker));
  } else {
    // Open loop: each event is due at its own instant whether or not earlier ones were answered,
    // and latency counts from that instant, so a stalled target cannot hide its queueing delay.
    const intervalMs = 1000 / mode.ratePerSecond;
    const startedAt = performance.now();
    const inFlight: Promise<void>[] = [];
    let next = 0;
    while (next < events.length) {
      const now = performance.now();
      while (next < events.length && startedAt + next * intervalMs <= now) {
        inFlight.push(send(next, startedAt + next * intervalMs));
        next += 1;
      }
      if (next < events.length) await sleep(Math.max(0, startedAt + next * intervalMs - performance.now()));
    }
    await Promise.all(inFlight);
  }
  return firstFailure === undefined ? { sentAt, ackLatencyMs, lastAckAt, failures } : { sentAt, ackLatencyMs, lastAckAt, failures, firstFailure };
}

/** Peak RSS of a process and its descendants (the engine may run its work in child processes). */
export function peakRssMb(rootPid: number): number | null {
  if (!existsSync('/proc/self/status')) return null;
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while we listed /proc.
    }
  }
  const family = new Set([rootPid]);
  for (let isGrowing = true; isGrowing; ) {
    isGrowing = false;
    for (const [pid, ppid] of parentOf) {
      if (family.has(ppid) && !family.has(pid)) {
        family.add(pid);
        isGrowing = true;
      }
    }
  }
  let totalKb = 0;
  for (const pid of family) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      totalKb += Number(match?.[1] ?? 0);
    } catch {
      // Gone already; its memory is no longer part of the target.
    }
  }
  return totalKb / 1024;
}

/** utime + stime in ms of a process, or of its main thread alone (the one a Node process's event loop runs on); null off Linux. */
export function cpuMs(pid: number, thread: 'all' | 'main'): number | null {
  const path = thread === 'all' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`;
  if (!existsSync(path)) return null;
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

export function percentile(values: Float64Array, fraction: number): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort();
  if (finite.length === 0) return Number.NaN;
  return finite[Math.min(finite.length - 1, Math.max(0, Math.ceil(fraction * finite.length) - 1))] ?? Number.NaN;
}

function median(values: number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function modeLabel(mode: Mode): string {
  return mode.kind === 'max' ? `max (concurrency ${mode.concurrency})` : `rate ${mode.ratePerSecond}/s`;
}

async function measure(target: TargetName, mode: Mode, events: number, config: Config, runTag: string): Promise<Measurement> {
  const firstMeasured = config.warmup + 1;
  const deliveredAt = new Float64Array(events).fill(Number.NaN);
  let warmupDelivered = 0;
  let measuredDelivered = 0;
  let lastDeliveredAt = 0;
  let onProgress: () => void = () => {};

  const erp: Erp = await startErp({
    latencyMs: 0,
    now: () => performance.now(),
    onCreate: (externalId, atMs) => {
      const index = Number(externalId) - orderNumberOf(firstMeasured);
      if (index < 0) {
        warmupDelivered += 1;
      } else if (index < events && Number.isNaN(deliveredAt[index])) {
        deliveredAt[index] = atMs;
        measuredDelivered += 1;
        lastDeliveredAt = Math.max(lastDeliveredAt, atMs);
      }
      onProgress();
    },
  });
  const workDir = await mkdtemp(join(tmpdir(), 'weft-bench-'));
  let running: RunningTarget | undefined;
  const connections = mode.kind === 'max' ? mode.concurrency : 128;
  let pool: Pool | undefined;
  try {
    running = await startTarget(target, erp.url, workDir, config.weftBin);
    const hook = new URL(running.hookUrl);
    pool = new Pool(hook.origin, { connections });
    const deadline = performance.now() + config.timeoutSeconds * 1000;
    const waitFor = async (isDone: () => boolean): Promise<void> => {
      while (!isDone() && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          onProgress = () => {
            if (isDone()) resolve();
          };
          setTimeout(resolve, 250);
        });
      }
      onProgress = () => {};
    };

    if (config.warmup > 0) {
      await drive(pool, hook.pathname, prepareEvents(1, config.warmup, `${runTag}-warmup`), { kind: 'max', concurrency: config.concurrency });
      await waitFor(() => warmupDelivered >= config.warmup);
    }

    const prepared = prepareEvents(firstMeasured, events, runTag);
    const loopCpuBefore = cpuMs(running.pid, 'main');
    const result = await drive(pool, hook.pathname, prepared, mode);
    await waitFor(() => measuredDelivered >= events);
    const loopCpuAfter = cpuMs(running.pid, 'main');

    const firstSendAt = result.sentAt[0] ?? 0;
    const deliveryLatencyMs = deliveredAt.map((at, index) => at - (result.sentAt[index] ?? Number.NaN));
    const rss = peakRssMb(running.pid);
    const acked = events - result.failures;
    if (result.firstFailure !== undefined) process.stderr.write(`${target}: ${result.failures} events refused, the first with ${result.firstFailure}\n`);
    const perSecond = (count: number, lastAt: number): number => (count > 0 ? count / ((lastAt - firstSendAt) / 1000) : 0);
    return {
      target,
      mode: modeLabel(mode),
      events,
      ackedPerSecond: perSecond(acked, result.lastAckAt),
      deliveredPerSecond: perSecond(measuredDelivered, lastDeliveredAt),
      ackP50Ms: percentile(result.ackLatencyMs, 0.5),
      ackP99Ms: percentile(result.ackLatencyMs, 0.99),
      deliveryP50Ms: percentile(deliveryLatencyMs, 0.5),
      deliveryP99Ms: percentile(deliveryLatencyMs, 0.99),
      peakRssMb: rss,
      loopCpuMsPerEvent: loopCpuBefore === null || loopCpuAfter === null ? null : (loopCpuAfter - loopCpuBefore) / events,
      lost: events - measuredDelivered,
      ackFailures: result.failures,
      duplicateCreations: erp.stats().duplicateCreations,
    };
  } finally {
    await pool?.close();
    await running?.stop();
    await erp.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function summarise(runs: Measurement[]): Measurement {
  const first = runs[0];
  if (!first) throw new Error('no runs to summarise');
  const known = (values: (number | null)[]): number | null => {
    const measured = values.filter((value): value is number => value !== null);
    return measured.length > 0 ? median(measured) : null;
  };
  return {
    target: first.target,
    mode: first.mode,
    events: first.events,
    ackedPerSecond: median(runs.map((run) => run.ackedPerSecond)),
    deliveredPerSecond: median(runs.map((run) => run.deliveredPerSecond)),
    ackP50Ms: median(runs.map((run) => run.ackP50Ms)),
    ackP99Ms: median(runs.map((run) => run.ackP99Ms)),
    deliveryP50Ms: median(runs.map((run) => run.deliveryP50Ms)),
    deliveryP99Ms: median(runs.map((run) => run.deliveryP99Ms)),
    peakRssMb: known(runs.map((run) => run.peakRssMb)),
    loopCpuMsPerEvent: known(runs.map((run) => run.loopCpuMsPerEvent)),
    // Losses and duplicates are summed, not medianed: one bad run must show.
    lost: runs.reduce((sum, run) => sum + run.lost, 0),
    ackFailures: runs.reduce((sum, run) => sum + run.ackFailures, 0),
    duplicateCreations: runs.reduce((sum, run) => sum + run.duplicateCreations, 0),
  };
}

function formatTable(config: Config, medians: Measurement[], ratios: Record<string, number>): string {
  const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
  const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : '-');
  const header = ['mode', 'target', 'acked/s', 'delivered/s', 'ack p50', 'ack p99', 'deliv p50', 'deliv p99', 'loop CPU/event', 'peak RSS', 'lost', 'dup'];
  const rows = medians.map((m) => [
    m.mode,
    m.target,
    fixed(m.ackedPerSecond, 0),
    fixed(m.deliveredPerSecond, 0),
    ms(m.ackP50Ms),
    ms(m.ackP99Ms),
    ms(m.deliveryP50Ms),
    ms(m.deliveryP99Ms),
    m.loopCpuMsPerEvent === null ? '-' : ms(m.loopCpuMsPerEvent),
    m.peakRssMb === null ? '-' : `${fixed(m.peakRssMb, 0)} MB`,
    String(m.lost),
    String(m.duplicateCreations),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]): string => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    `webhook → ERP, medians of ${config.repeats} runs; node ${process.version}, ${cpus().length} × ${cpu}`,
    `${config.events} events at max throughput, ${config.rateEvents} at ${config.ratePerSecond}/s, ${config.warmup} warm-up events per run`,
    '',
    line(header),
    line(header.map((_, column) => '-'.repeat(widths[column] ?? 0))),
    ...rows.map(line),
  ];
  if (Object.keys(ratios).length > 0) {
    out.push('', ...Object.entries(ratios).map(([name, ratio]) => `${name}: ${fixed(ratio, 3)}`));
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const config = parseConfig();
  if (config.targets.includes('weft') && !existsSync(config.weftBin)) {
    throw new Error(`${config.weftBin} does not exist; run with --targets bare to measure the baseline alone`);
  }
  const modes: { mode: Mode; events: number }[] = [
    { mode: { kind: 'max', concurrency: config.concurrency }, events: config.events },
    { mode: { kind: 'rate', ratePerSecond: config.ratePerSecond }, events: config.rateEvents },
  ];
  const progress = (text: string): void => {
    if (process.stderr.isTTY) process.stderr.write(`${text}\n`);
  };

  const runs: Measurement[] = [];
  // Targets alternate, and swap places every repeat (ABBA), so drift in the machine and in this
  // process's heap hits both alike instead of always favouring whichever runs second.
  for (let repeat = 1; repeat <= config.repeats; repeat += 1) {
    const order = repeat % 2 === 1 ? config.targets : [...config.targets].reverse();
    for (const { mode, events } of modes) {
      for (const target of order) {
        progress(`run ${repeat}/${config.repeats}: ${target}, ${modeLabel(mode)}, ${events} events`);
        runs.push(await measure(target, mode, events, config, `r${repeat}-${mode.kind}-${target}`));
      }
    }
  }

  const medians: Measurement[] = [];
  for (const { mode } of modes) {
    for (const target of config.targets) {
      medians.push(summarise(runs.filter((run) => run.target === target && run.mode === modeLabel(mode))));
    }
  }
  const ratios: Record<string, number> = {};
  const maxLabel = modeLabel(modes[0]?.mode ?? { kind: 'max', concurrency: config.concurrency });
  const bare = medians.find((m) => m.target === 'bare' && m.mode === maxLabel);
  for (const durable of ['floor', 'floor2', 'weft'] as const) {
    const measured = medians.find((m) => m.target === durable && m.mode === maxLabel);
    if (!bare || !measured) continue;
    ratios[`${durable}/bare acked events/s (max)`] = measured.ackedPerSecond / bare.ackedPerSecond;
    ratios[`${durable}/bare delivered events/s (max)`] = measured.deliveredPerSecond / bare.deliveredPerSecond;
  }

  if (config.isJson) {
    const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, platform: process.platform };
    process.stdout.write(`${JSON.stringify({ config, machine, medians, ratios, runs }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatTable(config, medians, ratios)}\n`);
  }
  if (medians.some((m) => m.lost > 0 || m.duplicateCreations > 0 || m.ackFailures > 0)) process.exitCode = 1;
}

// postgres-scaling.ts imports the pieces above; only running this file runs the benchmark.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
