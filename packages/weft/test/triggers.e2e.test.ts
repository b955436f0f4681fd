/** Schedule triggers fire on their cron, once per tick; `weft dev` reloads flows when they change. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestWeft } from './support/weft-harness.ts';
import { freePort, waitFor } from './support/engine-process.ts';
import { writeOrderFlow } from './support/order-flow.ts';

const WEFT_BIN = fileURLToPath(new URL('../bin/weft.js', import.meta.url));

describe('triggers', () => {
  it('a schedule trigger runs its flow every tick, one event per tick', { timeout: 30_000 }, async () => {
    const weft = await startTestWeft({
      'tick.yaml': `id: every-second
trigger:
  schedule: { cron: "* * * * * *", timezone: Europe/Berlin }
steps:
  - id: stamp
    map: trigger.body.scheduledAt
`,
    });
    try {
      await waitFor(async () => (await weft.store.countRuns('every-second')).succeeded >= 2, 10_000, 'two ticks');
      const runs = await weft.store.listRuns({ flowId: 'every-second' });
      const ticks = await Promise.all(runs.map(async (run) => (await weft.store.getRun(run.id))!.event));
      assert.ok(ticks.every((event) => event.source === 'schedule'));
      const stamps = ticks.map((event) => (event.body as { scheduledAt: string }).scheduledAt);
      assert.equal(new Set(stamps).size, stamps.length, 'one event per tick');
    } finally {
      await weft.close();
    }
  });

  it('weft dev reloads flows when a file changes, and keeps the running flows when the new one is invalid', { timeout: 30_000 }, async () => {
    const { flows, db } = writeOrderFlow();
    const child = spawn(process.execPath, [WEFT_BIN, 'dev', '--flows', flows, '--db', db, '--port', String(await freePort())], {
      env: { ...process.env, NO_COLOR: '1', SHOP_WEBHOOK_SECRET: 's', ERP_URL: 'http://127.0.0.1:1', WEFT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (errors += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => output.includes('weft listening on'), 20_000, `the listening line:\n${output}\n${errors}`);
      writeFileSync(join(flows, 'second.flow.yaml'), 'id: second\ntrigger:\n  manual: {}\nsteps:\n  - id: a\n    map: "1"\n');
      await waitFor(() => /flows reloaded: .*second/.test(output), 10_000, `a reload:\n${output}`);
      writeFileSync(join(flows, 'second.flow.yaml'), 'id: second\ntrigger:\n  manual: {}\nsteps:\n  - id: a\n    mapp: "1"\n');
      // A refused reload is an error: on stderr, so it is not lost among the progress lines.
      await waitFor(() => errors.includes('flows not reloaded, the running flows stay'), 10_000, `a refused reload:\n${output}\n${errors}`);
      assert.match(errors, /second\.flow\.yaml:6:5/);
      assert.doesNotMatch(output, /not reloaded/);
      // Saved the way vim and JetBrains save (a new file renamed over the old), then written in
      // place: both are seen (Node's recursive watch lost the file after the rename).
      const reloads = () => (output.match(/flows reloaded/g) ?? []).length;
      const second = (stepId: string) => `id: second\ntrigger:\n  manual: {}\nsteps:\n  - id: ${stepId}\n    map: "2"\n`;
      let before = reloads();
      writeFileSync(join(flows, 'second.flow.yaml.tmp'), second('b'));
      renameSync(join(flows, 'second.flow.yaml.tmp'), join(flows, 'second.flow.yaml'));
      await waitFor(() => reloads() > before, 10_000, `a reload after a rename:\n${output}\n${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      before = reloads();
      writeFileSync(join(flows, 'second.flow.yaml'), second('c'));
      await waitFor(() => reloads() > before, 10_000, `a reload after an in-place write that follows the rename:\n${output}\n${errors}`);
      mkdirSync(join(flows, 'more'));
      writeFileSync(join(flows, 'more', 'fourth.flow.yaml'), 'id: fourth\ntrigger:\n  manual: {}\nsteps:\n  - id: d\n    map: "4"\n');
      await waitFor(() => /flows reloaded: .*fourth/.test(output), 10_000, `a reload for a file in a new subfolder:\n${output}\n${errors}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
