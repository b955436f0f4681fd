import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { CodeModule } from '../flows/load-flow.ts';
import { CodeEgressDeniedError, CodeFailedError, CodeOutputError, CodeTimeoutError, createCodeRunner, type CodeRunner } from './code-runner.ts';

/**
 * The modules live in a folder with no package.json, as in a `weft init` project: tsx compiles
 * their `export`s to CommonJS, which the worker must load like the engine does.
 */
const MODULES: Record<string, string> = {
  'steps.ts': `import { writeFileSync } from 'node:fs';
import { double } from './helper.ts';
export function doubled(input: { trigger: { body: { n: number } } }): { n: number; at: Date } {
  return { n: double(input.trigger.body.n), at: new Date(Date.UTC(2026, 0, 2)) };
}
export async function fetched(input: { trigger: { body: { url: string } } }): Promise<unknown> {
  const response = await fetch(input.trigger.body.url);
  return await response.json();
}
export function fails(): never {
  throw Object.assign(new Error('the ERP said no'), { retryable: true });
}
export function failsForGood(): never {
  throw new Error('bad input');
}
export function bigint(): unknown {
  return { n: 10n };
}
export function cycle(): unknown {
  const node: Record<string, unknown> = {};
  node.self = node;
  return node;
}
export function nothing(): void {}
export function hoards(): never {
  const kept: number[][] = [];
  for (;;) kept.push(new Array(100_000).fill(kept.length));
}
export async function sleeps(input: { trigger: { body: { ms: number } } }, { signal }: { signal: AbortSignal }): Promise<number> {
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, input.trigger.body.ms);
    signal.addEventListener('abort', () => clearTimeout(timer));
  });
  return input.trigger.body.ms;
}
export function crashes(): Promise<never> {
  setTimeout(() => {
    throw new Error('thrown in a timer');
  }, 100);
  return new Promise(() => {});
}
export function throwsUnreadable(): never {
  throw { get message(): string { throw new Error('no'); }, toString(): string { throw new Error('no'); } };
}
export function loops(): never {
  for (;;) {}
}
export function waits(input: { trigger: { body: { marker: string } } }, { signal }: { signal: AbortSignal }): Promise<never> {
  signal.addEventListener('abort', () => writeFileSync(input.trigger.body.marker, String(signal.reason.message)));
  return new Promise(() => {});
}
`,
  'helper.ts': 'export const double = (n: number): number => n * 2;\n',
  // Each way out that the worker puts behind the egress guard.
  'egress.ts': `import http from 'node:http';
import https from 'node:https';
type Input = { trigger: { body: { url: string } } };
function answer(request: http.ClientRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request.on('error', reject).on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(JSON.parse(text)));
    });
  });
}
export async function viaFetch(input: Input): Promise<unknown> {
  return (await fetch(input.trigger.body.url)).json();
}
export function viaHttpGet(input: Input): Promise<unknown> {
  return answer(http.get(input.trigger.body.url));
}
export function viaHttpsGet(input: Input): Promise<unknown> {
  return answer(https.get(input.trigger.body.url));
}
export function viaFreshAgent(input: Input): Promise<unknown> {
  return answer(http.get(input.trigger.body.url, { agent: false }));
}
export async function viaFetchMarkedRetryable(input: Input): Promise<unknown> {
  try {
    return await viaFetch(input);
  } catch (error) {
    throw Object.assign(new Error('the stock service is unreachable', { cause: error }), { retryable: true });
  }
}
`,
  'version.ts': 'export const version = (): string => "first";\n',
};

interface StockServer {
  url: string;
  requests: string[];
  close(): void;
}

/** Answers `{"stock":5}`, and redirects /elsewhere to `redirectTo`. */
async function startStockServer(redirectTo?: string): Promise<StockServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === '/elsewhere' && redirectTo !== undefined) response.writeHead(302, { location: redirectTo }).end();
    else response.setHeader('content-type', 'application/json').end('{"stock":5}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests, close: () => server.close() };
}

describe('code runner', () => {
  let dir: string;
  let runner: CodeRunner;
  /** The one address the runner's allow-list names, and one on the same host that it does not. */
  let allowed: StockServer;
  let refused: StockServer;
  const moduleOf = (file: string, exportName: string, load = 1): CodeModule => ({ url: pathToFileURL(join(dir, file)).href, exportName, load });
  const run = (exportName: string, body: unknown = {}, options: { timeoutMs?: number; signal?: AbortSignal; file?: string; load?: number } = {}) =>
    runner.run({
      module: moduleOf(options.file ?? 'steps.ts', exportName, options.load),
      input: { trigger: { body }, steps: {} },
      timeoutMs: options.timeoutMs ?? 10_000,
      signal: options.signal ?? new AbortController().signal,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-code-runner-'));
    for (const [name, text] of Object.entries(MODULES)) writeFileSync(join(dir, name), text);
    refused = await startStockServer();
    allowed = await startStockServer(refused.url);
    runner = createCodeRunner({ egressAllow: [new URL(allowed.url).host] });
  });
  after(async () => {
    await runner.close();
    allowed.close();
    refused.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a TypeScript function that imports another file; the output arrives as JSON reads it (a Date as its ISO text)', { timeout: 20_000 }, async () => {
    assert.deepEqual(await run('doubled', { n: 21 }), { n: 42, at: '2026-01-02T00:00:00.000Z' });
    assert.equal(await run('nothing'), null);
  });

  it('awaits an async function that fetches', { timeout: 20_000 }, async () => {
    assert.deepEqual(await run('fetched', { url: allowed.url }), { stock: 5 });
  });

  it('refuses fetch, http.get, https.get and a fresh http agent an address the allow-list does not name, before connecting', { timeout: 20_000 }, async () => {
    const refusal = 'refused to connect to 127.0.0.1 (a loopback address); allow it with WEFT_EGRESS_ALLOW=127.0.0.1';
    const httpsUrl = refused.url.replace('http:', 'https:');
    for (const [exportName, url] of [['viaFetch', refused.url], ['viaHttpGet', refused.url], ['viaHttpsGet', httpsUrl], ['viaFreshAgent', refused.url]] as const) {
      await assert.rejects(run(exportName, { url }, { file: 'egress.ts' }), (error: unknown) => error instanceof CodeEgressDeniedError && error.message === refusal, exportName);
    }
    // A name is judged by what it resolves to (127.0.0.1 or ::1, both loopback).
    await assert.rejects(run('viaHttpGet', { url: refused.url.replace('127.0.0.1', 'localhost') }, { file: 'egress.ts' }), CodeEgressDeniedError);
    // fetch follows a redirect on a connection of its own, and that one is checked too.
    await assert.rejects(run('viaFetch', { url: `${allowed.url}elsewhere` }, { file: 'egress.ts' }), CodeEgressDeniedError);
    assert.deepEqual(refused.requests, [], 'no request reached the address that is not allowed');
  });

  it('reports a refusal the function wrapped in an error of its own, marked retryable, as a refusal', { timeout: 20_000 }, async () => {
    await assert.rejects(run('viaFetchMarkedRetryable', { url: refused.url }, { file: 'egress.ts' }), CodeEgressDeniedError);
  });

  it('reaches the address the allow-list names with http.get and a fresh agent too', { timeout: 20_000 }, async () => {
    assert.deepEqual(await run('viaHttpGet', { url: allowed.url }, { file: 'egress.ts' }), { stock: 5 });
    assert.deepEqual(await run('viaFreshAgent', { url: allowed.url }, { file: 'egress.ts' }), { stock: 5 });
  });

  it('hands a thrown error back with its message and its retryable flag', { timeout: 20_000 }, async () => {
    await assert.rejects(run('fails'), (error: unknown) => error instanceof CodeFailedError && error.message === 'the ERP said no' && error.retryable);
    await assert.rejects(run('failsForGood'), (error: unknown) => error instanceof CodeFailedError && error.message === 'bad input' && !error.retryable);
  });

  it('refuses an output JSON cannot hold, with JSON’s reason', { timeout: 20_000 }, async () => {
    await assert.rejects(run('bigint'), (error: unknown) => error instanceof CodeOutputError && /BigInt/.test(error.message));
    await assert.rejects(run('cycle'), (error: unknown) => error instanceof CodeOutputError && /circular/.test(error.message));
  });

  it('stops an endless loop at its budget without blocking this thread, and runs the next call on a fresh worker', { timeout: 20_000 }, async () => {
    await run('nothing'); // the workers are up: the budget is the loop's alone
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const started = performance.now();
    try {
      await assert.rejects(run('loops', {}, { timeoutMs: 300 }), CodeTimeoutError);
    } finally {
      clearInterval(ticker);
    }
    const took = performance.now() - started;
    assert.ok(took >= 290 && took < 1_500, `stopped after ${took} ms`);
    assert.ok(ticks >= 10, `this thread's timers fired ${ticks} times while the function looped`);
    assert.deepEqual(await run('doubled', { n: 1 }), { n: 2, at: '2026-01-02T00:00:00.000Z' });
  });

  it('runs calls that await side by side: twenty 300 ms waits take far less than twenty times 300 ms', { timeout: 20_000 }, async () => {
    await run('nothing');
    const started = performance.now();
    const outputs = await Promise.all(Array.from({ length: 20 }, () => run('sleeps', { ms: 300 })));
    const took = performance.now() - started;
    assert.deepEqual(outputs, Array(20).fill(300));
    assert.ok(took < 2_000, `twenty awaiting calls took ${took} ms`);
  });

  it('an overrun stops the calls that share its worker, as retryable failures', { timeout: 20_000 }, async () => {
    await run('nothing');
    const controller = new AbortController();
    const neighbours = [run('sleeps', { ms: 5_000 }, { signal: controller.signal }), run('sleeps', { ms: 5_000 }, { signal: controller.signal })];
    const settled = Promise.allSettled(neighbours);
    await assert.rejects(run('loops', {}, { timeoutMs: 300 }), CodeTimeoutError);
    await sleep(100);
    controller.abort(new Error('done waiting'));
    const outcomes = await settled;
    const stopped = outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof CodeFailedError);
    assert.ok(stopped.length >= 1, 'the loop shared its worker with at least one of them');
    for (const outcome of stopped) {
      const error = (outcome as PromiseRejectedResult).reason as CodeFailedError;
      assert.equal(error.retryable, true);
      assert.match(error.message, /another code step running in it passed its time budget/);
    }
  });

  it('a thread that ends under several calls fails them all as retryable, a thread that ends under one fails it for good', { timeout: 20_000 }, async () => {
    await run('nothing');
    const own = createCodeRunner();
    try {
      const call = (exportName: string, ms = 0) => own.run({ module: moduleOf('steps.ts', exportName), input: { trigger: { body: { ms } }, steps: {} }, timeoutMs: 10_000, signal: new AbortController().signal });
      await assert.rejects(call('crashes'), (error: unknown) => error instanceof CodeFailedError && !error.retryable && /thrown in a timer/.test(error.message));
      // Enough calls that both threads hold sleepers beside the one that crashes.
      const outcomes = await Promise.allSettled([call('crashes'), ...Array.from({ length: 6 }, () => call('sleeps', 3_000))]);
      const cutOff = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      assert.ok(cutOff.length >= 2, 'the crash took its thread’s other calls with it');
      for (const { reason } of cutOff) {
        assert.ok(reason instanceof CodeFailedError && reason.retryable, String(reason));
        assert.match(reason.message, /which was running \d+ calls \(.*thrown in a timer/);
      }
      await assert.rejects(call('throwsUnreadable'), /cannot be read/);
      assert.equal(await call('sleeps', 1), 1, 'the thread survived a thrown value that throws when read');
    } finally {
      await own.close();
    }
  });

  it('stops waiting when the run aborts, and aborts the function’s signal', { timeout: 20_000 }, async () => {
    const marker = join(dir, 'aborted');
    const controller = new AbortController();
    const waiting = run('waits', { marker }, { signal: controller.signal });
    await sleep(1_000); // long enough for a worker to start and take the call
    controller.abort(new Error('the lease was lost'));
    await assert.rejects(waiting, /the lease was lost/);
    for (let i = 0; i < 100 && !existsSync(marker); i++) await sleep(20);
    assert.ok(existsSync(marker), 'the function heard its signal');
    await assert.rejects(run('nothing', {}, { signal: controller.signal }), /the lease was lost/, 'an aborted run starts nothing');
  });

  it('runs an edited module once the flows are loaded again', { timeout: 20_000 }, async () => {
    assert.equal(await run('version', {}, { file: 'version.ts', load: 1 }), 'first');
    writeFileSync(join(dir, 'version.ts'), 'export const version = (): string => "second";\n');
    assert.equal(await run('version', {}, { file: 'version.ts', load: 1 }), 'first', 'a worker imports a module once');
    assert.equal(await run('version', {}, { file: 'version.ts', load: 2 }), 'second');
  });

  it('stops a function that allocates without end at its worker’s heap limit, and keeps running others', { timeout: 30_000 }, async () => {
    const small = createCodeRunner({ heapMb: 64 });
    try {
      const call = (exportName: string) => small.run({ module: moduleOf('steps.ts', exportName), input: { trigger: { body: { n: 2 } }, steps: {} }, timeoutMs: 20_000, signal: new AbortController().signal });
      await assert.rejects(call('hoards'), (error: unknown) => error instanceof CodeFailedError && !error.retryable && /memory limit/.test(error.message));
      assert.deepEqual(await call('doubled'), { n: 4, at: '2026-01-02T00:00:00.000Z' });
    } finally {
      await small.close();
    }
  });

  it('closes a worker stuck in a loop', { timeout: 20_000 }, async () => {
    const own = createCodeRunner();
    const looping = assert.rejects(own.run({ module: moduleOf('steps.ts', 'loops'), input: {}, timeoutMs: 60_000, signal: new AbortController().signal }), /closed/);
    await sleep(1_000);
    const started = performance.now();
    await own.close();
    assert.ok(performance.now() - started < 2_000, `closing took ${performance.now() - started} ms`);
    await looping;
  });
});
