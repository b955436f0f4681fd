import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnWeft, tempDir, waitForExit } from '../testing.ts';

const FLOW = `id: echo
trigger:
  webhook:
    path: echo
steps:
  - id: copy
    map: trigger.body
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
    const child = spawnWeft(['start', '--port', '0'], { cwd: dir });
    const exited = waitForExit(child);
    let stdout = '';
    child.stdout.setEncoding('utf8');
    while (!/weft listening on (http:\/\/\S+)\n/.test(stdout)) {
      const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [string];
      if (child.exitCode !== null) assert.fail(`weft start exited early: ${(await exited).stderr}`);
      stdout += chunk;
    }
    const url = /weft listening on (http:\/\/\S+)\n/.exec(stdout)![1]!;
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
});
