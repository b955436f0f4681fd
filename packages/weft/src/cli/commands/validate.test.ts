import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWeft, tempDir } from '../testing.ts';

const VALID = `id: orders
trigger:
  webhook:
    path: orders
steps:
  - id: order
    map: trigger.body
  - id: send
    call:
      url: \${env:ERP_URL}/orders
      body: steps.order
`;

function projectWith(files: Record<string, string>): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'flows'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'flows', name), text);
  return dir;
}

describe('weft validate', () => {
  it('accepts valid flows from the configured folder, without their environment set', async () => {
    const dir = projectWith({ 'orders.flow.yaml': VALID });
    const result = await runWeft(['validate'], { cwd: dir, env: {} });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '1 flow valid\n');
    // …but says what `weft start` here would refuse.
    assert.equal(result.stderr, "flows/orders.flow.yaml:10:12 note: call.url of step 'send': environment variable ERP_URL is not set (referenced as ${env:ERP_URL}) here; weft start and weft run need it set\n");
    const withEnv = await runWeft(['validate'], { cwd: dir, env: { ERP_URL: 'http://127.0.0.1:9' } });
    assert.equal(withEnv.stderr, '');
  });

  it('reports each problem as file:line:col on stderr, with a summary, and exits 1', async () => {
    const dir = projectWith({
      'orders.flow.yaml': VALID.replace('    map: trigger.body', '    mapp: trigger.body'),
      'other.flow.yaml': VALID.replace('id: orders', 'id: other').replace('body: steps.order', 'body: steps.nope'),
    });
    const result = await runWeft(['validate', 'flows'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /orders\.flow\.yaml:7:5 .*mapp/);
    assert.match(result.stderr, /other\.flow\.yaml:11:\d+ .*nope/);
    assert.match(result.stderr, /\n2 problems in 2 files\n$/);
  });

  it('validates the paths given instead of the configured ones', async () => {
    const dir = projectWith({ 'orders.flow.yaml': VALID });
    writeFileSync(join(dir, 'broken.flow.yaml'), 'id: broken\n');
    const result = await runWeft(['validate', 'flows/orders.flow.yaml'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
  });

  it('stops at invalid configuration, naming its source', async () => {
    const dir = projectWith({ 'orders.flow.yaml': VALID });
    writeFileSync(join(dir, 'weft.config.yaml'), 'flows: ./flows\n');
    const result = await runWeft(['validate'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'weft: weft.config.yaml:1:8: flows must be a non-empty list of non-empty strings; got "./flows"\n');
  });
});
