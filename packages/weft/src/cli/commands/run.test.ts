import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWeft, tempDir } from '../testing.ts';

/** A project with one manual flow of these steps, and `input.json`. */
function projectWith(flowId: string, steps: string, input: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows', `${flowId}.flow.yaml`), `id: ${flowId}\ntrigger:\n  manual: {}\nsteps:\n${steps}`);
  writeFileSync(join(dir, 'input.json'), input);
  return dir;
}

describe('weft run', () => {
  it('runs a flow on a JSON input and, with --wait, reports its outcome', async () => {
    const dir = projectWith('total', '  - id: sum\n    map: $sum(trigger.body.amounts)\n', '{"amounts": [1, 2, 3]}');

    const result = await runWeft(['run', 'total', '--input', 'input.json', '--wait', '--json'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const { runId, status } = JSON.parse(result.stdout);
    assert.equal(status, 'succeeded');

    const detail = JSON.parse((await runWeft(['runs', 'show', runId, '--json'], { cwd: dir })).stdout);
    assert.deepEqual(detail.run.checkpoints, [{ path: 'sum', output: 6, outcome: 'done' }]);
  });

  it('with --wait, says so when the run starts waiting (a delay) instead of ending', async () => {
    const dir = projectWith('later', '  - id: pause\n    delay: 1h\n', '{}');
    const result = await runWeft(['run', 'later', '--input', 'input.json', '--wait', '--json'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const { status, dueAt } = JSON.parse(result.stdout);
    assert.equal(status, 'waiting');
    assert.ok(dueAt > Date.now() + 59 * 60_000);
    assert.match(result.stderr, /^the run waits until \S+Z \(a delay, a retry or a destination's pause\); weft start or weft dev on this database continues it\n$/);
  });

  it('names the input file when it is not JSON', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'input.json'), '{"amounts": ');
    const result = await runWeft(['run', 'total', '--input', 'input.json'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^weft: input\.json is not valid JSON: /);
  });

  it('refuses a flow that does not exist without creating a database', async () => {
    const dir = projectWith('total', '  - id: sum\n    map: "1"\n', '{}');
    const result = await runWeft(['run', 'nope', '--input', 'input.json'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^weft: no flow 'nope'/);
    assert.equal(existsSync(join(dir, '.weft')), false, 'nothing was written');
  });
});
