/**
 * Code steps run in worker threads: one that never ends is stopped at its budget while the
 * engine goes on serving, failures keep their meaning across the thread boundary, and `weft
 * dev` runs an edited module after it reloads the flows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
