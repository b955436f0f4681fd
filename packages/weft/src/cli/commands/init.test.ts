import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWeft, tempDir } from '../testing.ts';
import { scaffoldFiles } from './init.ts';

describe('weft init', () => {
  it('scaffolds a project whose flow validates and whose flow test passes', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const result = await runWeft(['init', 'shop-sync'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    for (const [path, text] of Object.entries(scaffoldFiles())) {
      assert.equal(readFileSync(join(dir, 'shop-sync', path), 'utf8'), text, path);
    }
    assert.match(result.stdout, /^created shop-sync\/weft\.config\.yaml\n/);

    const validated = await runWeft(['validate'], { cwd: join(dir, 'shop-sync') });
    assert.equal(validated.code, 0, validated.stderr);
    assert.equal(validated.stdout, '1 flow valid\n');

    // The project's own ERP_URL (its real ERP) does not change what the offline test sees.
    const tested = await runWeft(['test'], { cwd: join(dir, 'shop-sync'), env: { NO_COLOR: '1', ERP_URL: 'https://erp.internal.example' } });
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /✓ an order becomes one sales order .*\n\n1 passed, 0 failed\n$/);
  });

  it('loads a TypeScript code module written with `export`, though no package.json makes the project ESM', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    assert.equal((await runWeft(['init'], { cwd: dir })).code, 0);
    assert.equal(existsSync(join(dir, 'package.json')), false);
    writeFileSync(join(dir, 'flows/total.ts'), 'export function total(input: { steps: Record<string, unknown> }): number {\n  return Object.keys(input.steps).length;\n}\n');
    appendFileSync(join(dir, 'flows/orders.flow.yaml'), '  - id: total\n    code: { module: ./total.ts, export: total }\n');

    const validated = await runWeft(['validate'], { cwd: dir });
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    assert.equal(validated.stdout, '1 flow valid\n');
  });

  it('refuses to overwrite, and then writes nothing at all', async () => {
    const dir = tempDir();
    assert.equal((await runWeft(['init'], { cwd: dir })).code, 0);
    rmSync(join(dir, 'flows/README.md'));

    const again = await runWeft(['init', '.'], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^weft: not overwriting weft\.config\.yaml, flows\/orders\.flow\.yaml, flow\.schema\.json, test\/flows\.test\.mjs, tests\/orders\.test\.yaml, tests\/recordings\/erp-accepts\.json in .*; nothing was written\n$/);
    assert.equal(existsSync(join(dir, 'flows/README.md')), false);
  });
});
