import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWeft, tempDir } from '../testing.ts';
import { scaffoldFiles } from './init.ts';

const WEFT_BIN = fileURLToPath(new URL('../../../bin/weft.js', import.meta.url));

/**
 * The environment of a user's shell: not this test's WEFT_* settings, npm's script variables, or
 * the test runner's NODE_TEST_CONTEXT (with it, the project's `node --test` reports to this one).
 */
function userShellEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(WEFT_|npm_)/.test(name) && name !== 'NODE_TEST_CONTEXT'));
}

describe('weft init', () => {
  it('scaffolds a project whose flow validates and whose flow test passes', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const result = await runWeft(['init', 'shop-sync'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    for (const [path, text] of Object.entries(scaffoldFiles(join(dir, 'shop-sync')))) {
      assert.equal(readFileSync(join(dir, 'shop-sync', path), 'utf8'), text, path);
    }
    assert.match(result.stdout, /^created shop-sync\/package\.json\ncreated shop-sync\/weft\.config\.yaml\n/);
    assert.match(result.stdout, /\nnext: cd shop-sync && npm run weft -- validate && npm test && npm run weft -- dev\n$/);

    const validated = await runWeft(['validate'], { cwd: join(dir, 'shop-sync') });
    assert.equal(validated.code, 0, validated.stderr);
    assert.equal(validated.stdout, '1 flow valid\n');

    // The project's own ERP_URL (its real ERP) does not change what the offline test sees.
    const tested = await runWeft(['test'], { cwd: join(dir, 'shop-sync'), env: { NO_COLOR: '1', ERP_URL: 'https://erp.internal.example' } });
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /✓ an order becomes one sales order .*\n\n1 passed, 0 failed\n$/);

    // Outside this repository, as a user has it: `npm test` runs the project's Weft by the path in
    // its package.json (`npx weft` would fetch an unrelated registry package of that name).
    const manifest = JSON.parse(readFileSync(join(dir, 'shop-sync/package.json'), 'utf8')) as { name: string; scripts: Record<string, string> };
    assert.equal(manifest.name, 'shop-sync');
    assert.equal(manifest.scripts.weft, `node ${JSON.stringify(WEFT_BIN)}`);
    const npmTest = spawnSync('npm', ['test'], { cwd: join(dir, 'shop-sync'), encoding: 'utf8', env: userShellEnv() });
    assert.equal(npmTest.status, 0, npmTest.stdout + npmTest.stderr);
    assert.match(npmTest.stdout, /# pass 1\n/);
    assert.match(npmTest.stdout, /1 passed, 0 failed\n/);
  });

  it('keeps the package.json of a folder that is already an npm project, and says which scripts to add', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const ownManifest = '{ "name": "storefront", "private": true }\n';
    writeFileSync(join(dir, 'package.json'), ownManifest);
    const result = await runWeft(['init'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(join(dir, 'package.json'), 'utf8'), ownManifest);
    assert.doesNotMatch(result.stdout, /created package\.json/);
    assert.ok(
      result.stdout.includes(`kept package.json: add to its "scripts": "weft":${JSON.stringify(`node ${JSON.stringify(WEFT_BIN)}`)},"test":"node --test test/ && npm run weft -- test"\n`),
      result.stdout,
    );
  });

  it('loads a TypeScript code module written with `export`, though its package.json does not make the project ESM', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    assert.equal((await runWeft(['init'], { cwd: dir })).code, 0);
    assert.equal((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string }).type, undefined);
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
