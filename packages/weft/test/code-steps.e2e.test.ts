/**
 * Code steps run in worker threads: one that never ends is stopped at its budget while the
 * engine goes on serving, failures keep their meaning across the thread boundary, their requests
 * pass the egress guard, and `weft dev` runs an edited module after it reloads the flows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../src/config.ts';
import { startWeft } from '../src/main.ts';
import { waitFor } from './support/engine-process.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';

const flow = (id: string, steps: string, extra = '') => `id: ${id}\ntrigger:\n  webhook: { path: ${id} }\n${extra}steps:\n${steps}`;

async function post(url: string, body: unknown): Promise<{ status: number; runId: string }> {
  const response = await request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await response.body.text();
  return { status: response.statusCode, runId: (JSON.parse(text) as { runId: string }).runId };
}

const SPIN = `import { writeFileSync } from 'node:fs';
export function spin(input: { trigger: { body: { marker: string } } }): never {
  writeFileSync(input.trigger.body.marker, 'looping');
  for (;;) {}
}
`;

// Attempts are counted in a file: the workers share no memory with each other or the test.
const FLAKY = `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
export function flaky(input: { trigger: { body: { counter: string } } }): string {
  const attempt = (existsSync(input.trigger.body.counter) ? Number(readFileSync(input.trigger.body.counter, 'utf8')) : 0) + 1;
  writeFileSync(input.trigger.body.counter, String(attempt));
  if (attempt === 1) throw Object.assign(new Error('the stock service is busy'), { retryable: true });
  return 'attempt ' + attempt;
}
export function broken(): never {
  throw new Error('price is missing');
}
`;

// Each attempt leaves a mark in a file; a failed request is marked retryable, as code steps often do.
const LOOKUP = `import { appendFileSync } from 'node:fs';
import { get } from 'node:http';
type Input = { trigger: { body: { url: string; attempts: string } } };
const unreachable = (cause: unknown) => Object.assign(new Error('the stock service is unreachable', { cause }), { retryable: true });
export async function viaFetch(input: Input): Promise<unknown> {
  appendFileSync(input.trigger.body.attempts, 'x');
  try {
    return await (await fetch(input.trigger.body.url)).json();
  } catch (error) {
    throw unreachable(error);
  }
}
export function viaHttpGet(input: Input): Promise<unknown> {
  appendFileSync(input.trigger.body.attempts, 'x');
  return new Promise((resolve, reject) => {
    get(input.trigger.body.url, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(JSON.parse(text)));
    }).on('error', (error) => reject(unreachable(error)));
  });
}
`;

async function startStockServer(): Promise<{ url: string; requests: () => number; close(): void }> {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests++;
    response.setHeader('content-type', 'application/json').end('{"stock":5}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests: () => requests, close: () => server.close() };
}

describe('code steps in worker threads', () => {
  it('an endless loop is stopped at its timeout as a timeout exception, while webhooks and other runs go on', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft(
      {
        'spin.yaml': flow('spin', `  - id: spin\n    code: { module: ../spin.ts, export: spin, timeout: 1s }\n    retry: { maxAttempts: 3, initialDelay: 50ms }\n`),
        'quick.yaml': flow('quick', `  - id: echo\n    map: trigger.body\n`),
      },
      { files: { 'spin.ts': SPIN } },
    );
    try {
      const marker = join(weft.dir, 'looping');
      const spinning = await post(`${weft.url}/hooks/spin`, { marker });
      await waitFor(() => existsSync(marker), 10_000, 'the code step looping');
      const loopStarted = Date.now();

      const healthz = await request(`${weft.url}/healthz`);
      assert.equal(healthz.statusCode, 200);
      await healthz.body.text();
      const quick = await post(`${weft.url}/hooks/quick`, { n: 1 });
      assert.equal(quick.status, 202, 'a webhook is acknowledged while the code step loops');
      await waitFor(async () => (await weft.store.getRun(quick.runId))?.status === 'succeeded', 5_000, 'the other flow’s run');
      assert.ok(Date.now() - loopStarted < 1_000, 'the other run finished while the code step still looped');

      await waitFor(async () => (await weft.store.getRun(spinning.runId))?.status === 'exception', 10_000, 'the looping run to become an exception');
      const stoppedAfter = Date.now() - loopStarted;
      assert.ok(stoppedAfter < 1_000 + 2_000, `stopped ${stoppedAfter} ms after the loop began`);
      const [exception] = await weft.store.listExceptions({ flowId: 'spin' });
      assert.equal(exception?.reason, 'timeout');
      assert.equal(exception?.stepPath, 'spin');
      assert.equal(exception?.message, "The code step 'spin' did not finish within its 1 s budget and was stopped (a code step's `timeout` raises it).", 'not retried');
    } finally {
      await weft.close();
    }
  });

  it('a thrown error parks as bug with its message; one marked retryable is retried', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft(
      {
        'flaky.yaml': flow('flaky', `  - id: reserve\n    code: { module: ../flaky.ts, export: flaky }\n    retry: { maxAttempts: 3, initialDelay: 50ms, maxDelay: 100ms }\n`),
        'broken.yaml': flow('broken', `  - id: price\n    code: { module: ../flaky.ts, export: broken }\n`),
      },
      { files: { 'flaky.ts': FLAKY } },
    );
    try {
      const counter = join(weft.dir, 'attempts');
      const flaky = await post(`${weft.url}/hooks/flaky`, { counter });
      await post(`${weft.url}/hooks/broken`, {});
      await settledRuns(weft, 'flaky', 1);
      await settledRuns(weft, 'broken', 1);
      const run = await weft.store.getRun(flaky.runId);
      assert.equal(run?.status, 'succeeded', run?.lastError ?? '');
      assert.equal(run?.checkpoints.find((checkpoint) => checkpoint.path === 'reserve')?.output, 'attempt 2');
      const [exception] = await weft.store.listExceptions({ flowId: 'broken' });
      assert.deepEqual([exception?.reason, exception?.stepPath, exception?.message], ['bug', 'price', "The code step 'price' failed: price is missing"]);
    } finally {
      await weft.close();
    }
  });

  it('a request to an address egressAllow does not list parks as egress-denied, not retried; one it lists goes through', { timeout: 30_000 }, async () => {
    const allowed = await startStockServer();
    const refused = await startStockServer();
    const step = (exportName: string) => `  - id: stock\n    code: { module: ../lookup.ts, export: ${exportName} }\n    retry: { maxAttempts: 3, initialDelay: 50ms, maxDelay: 100ms }\n`;
    const weft = await startTestWeft(
      { 'fetch.yaml': flow('fetch', step('viaFetch')), 'get.yaml': flow('get', step('viaHttpGet')) },
      { files: { 'lookup.ts': LOOKUP }, overrides: { egressAllow: [new URL(allowed.url).host] } },
    );
    try {
      const deliveries = [];
      for (const flowId of ['fetch', 'get']) {
        for (const server of [allowed, refused]) {
          const attempts = join(weft.dir, `${flowId}-${server === allowed ? 'allowed' : 'refused'}`);
          deliveries.push({ flowId, server, attempts, ...(await post(`${weft.url}/hooks/${flowId}`, { url: server.url, attempts })) });
        }
      }
      await settledRuns(weft, 'fetch', 2);
      await settledRuns(weft, 'get', 2);
      for (const { flowId, server, attempts, runId } of deliveries) {
        const run = await weft.store.getRun(runId);
        if (server === allowed) {
          assert.equal(run?.status, 'succeeded', `${flowId}: ${run?.lastError ?? ''}`);
          assert.deepEqual(run?.checkpoints[0]?.output, { stock: 5 });
          continue;
        }
        const [exception] = await weft.store.listExceptions({ runId });
        assert.deepEqual([exception?.reason, exception?.stepPath, exception?.message], [
          'egress-denied',
          'stock',
          "The code step 'stock' failed: Weft refused to connect to 127.0.0.1 (a loopback address); allow it with WEFT_EGRESS_ALLOW=127.0.0.1.",
        ], flowId);
        assert.equal(readFileSync(attempts, 'utf8'), 'x', `${flowId}: tried once, though the function marked its error retryable`);
      }
      assert.equal(refused.requests(), 0, 'no request reached the address egressAllow does not list');
    } finally {
      await weft.close();
      allowed.close();
      refused.close();
    }
  });

  it('weft dev runs an edited code module once it has reloaded the flows', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-test-'));
    const flowsDir = join(dir, 'flows');
    mkdirSync(flowsDir);
    writeFileSync(join(flowsDir, 'versioned.yaml'), flow('versioned', `  - id: version\n    code: { module: ./version.ts, export: version }\n`));
    writeFileSync(join(flowsDir, 'version.ts'), 'export const version = (): string => "first";\n');
    const config = loadConfig({ cwd: dir, env: {}, overrides: { port: 0, db: join(dir, 'weft.db'), flows: [flowsDir], logLevel: 'silent', pollIntervalMs: 50 } });
    const lines: string[] = [];
    const weft = await startWeft(config, { watch: true, stdout: (line) => lines.push(line) });
    let deliveries = 0;
    const versionOf = async () => {
      // A different body each time: the same body again would be a repeat, acknowledged and not run.
      const { runId } = await post(`${weft.url}/hooks/versioned`, { delivery: ++deliveries });
      await waitFor(async () => (await weft.store.getRun(runId))?.status === 'succeeded', 10_000, 'the run');
      return (await weft.store.getRun(runId))?.checkpoints[0]?.output;
    };
    try {
      assert.equal(await versionOf(), 'first');
      writeFileSync(join(flowsDir, 'version.ts'), 'export const version = (): string => "second";\n');
      await waitFor(() => lines.some((line) => line.startsWith('flows reloaded')), 10_000, 'the reload');
      assert.equal(await versionOf(), 'second');
    } finally {
      await weft.close();
    }
  });
});
