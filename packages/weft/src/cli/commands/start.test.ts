import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runWeft, spawnWeft, startWeftServer, tempDir, waitForExit } from '../testing.ts';

const FLOW = `id: echo
trigger:
  webhook:
    path: echo
steps:
  - id: copy
    map: trigger.body
`;

const DOUBLER = `id: doubler
trigger: { manual: {} }
steps:
  - id: double
    map: 'trigger.body.n * 2'
`;

function project(flow: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows', 'echo.flow.yaml'), flow);
  return dir;
}

describe('weft start', () => {
  it('announces its URL, serves webhooks, and exits 0 after a graceful SIGTERM', async () => {
    const dir = project(FLOW);
    const { url, child, exited } = await startWeftServer(['start', '--port', '0'], { cwd: dir });
    const response = await fetch(`${url}/hooks/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    assert.equal(response.status < 300, true, `webhook answered ${response.status}`);

    child.kill('SIGTERM');
    const result = await exited;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /SIGTERM received/);
  });

  it('starts nothing when a flow is invalid: exit 1, the problem at file:line:col', async () => {
    const dir = project(FLOW.replace('map:', 'mapp:'));
    const result = await waitForExit(spawnWeft(['start', '--port', '0'], { cwd: dir }));
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^weft: .*\n.*echo\.flow\.yaml:7:5 /);
  });

  it('that cannot bind its port runs nothing and keeps the one-time admin password for the start that does', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'flows', 'doubler.flow.yaml'), DOUBLER);
    writeFileSync(join(dir, 'n.json'), '{ "n": 21 }');
    const db = join(dir, 'weft.db');
    // A queued run, waiting for a worker.
    assert.equal((await runWeft(['run', 'doubler', '--input', 'n.json', '--db', db], { cwd: dir })).code, 0);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const failed = await runWeft(['start', '--db', db, '--port', String(port)], { cwd: dir });
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /EADDRINUSE/);
      assert.doesNotMatch(failed.stdout, /admin password/);
    } finally {
      taken.close();
    }
    const store = createSqliteStore({ path: db });
    try {
      assert.deepEqual(await store.countRuns(), { queued: 1, running: 0, waiting: 0, succeeded: 0, exception: 0 }, 'the failed start ran nothing');
    } finally {
      await store.close();
    }

    const started = spawnWeft(['start', '--db', db, '--port', '0'], { cwd: dir });
    let stdout = '';
    started.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise((resolve) => started.on('exit', resolve));
    try {
      const deadline = Date.now() + 30_000;
      while (!/admin password .*: \S+/.test(stdout) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(stdout, /admin password \(shown this once; .*\): \S+/);
    } finally {
      started.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses flows that do not validate, and leaves no database behind', { timeout: 30_000 }, async () => {
    const dir = project(FLOW.replace('map: trigger.body', 'mapp: trigger.body'));
    const refused = await runWeft(['start', '--port', '0'], { cwd: dir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /flows do not validate:\n.*echo\.flow\.yaml:\d+:\d+ .*mapp/);
    assert.equal(existsSync(join(dir, '.weft')), false, 'no database was created');
    // No flows folder at all (weft dev in an empty folder): the same.
    const empty = tempDir();
    assert.equal((await runWeft(['dev', '--port', '0'], { cwd: empty })).code, 1);
    assert.equal(existsSync(join(empty, '.weft')), false);
  });
});
