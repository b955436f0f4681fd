import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import { runDemo } from './run-demo.ts';

describe('weft demo', () => {
  it('moves orders through every sandbox, parks the one with the unknown SKU with a readable reason, and writes the input that fixes it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-demo-'));
    const config = loadConfig({ cwd: dir, env: {}, overrides: { port: 0, db: join(dir, '.weft', 'weft.db'), logLevel: 'silent', pollIntervalMs: 50 } });
    const lines: string[] = [];
    const previousKey = process.env.WEFT_MASTER_KEY_FILE;
    try {
      const demo = await runDemo(config, { stdout: (line) => lines.push(line), orders: 6, exitWhenDone: true });
      const summary = await demo.done;
      assert.equal(summary.runs.succeeded + summary.runs.exception, 6, lines.join('\n'));
      assert.equal(summary.fixes.length, 1, `the order with the unknown SKU is parked: ${JSON.stringify(summary.fixes.map((fix) => fix.message))}`);
      assert.equal(summary.salesOrders, 5, 'every other order is one sales order');
      for (const fix of summary.fixes) {
        assert.match(fix.message, /^NetSuite rejected order #\d+: .*WEFT-CAP-BLUE/);
        const edited = readFileSync(resolve(fix.inputFile), 'utf8');
        assert.ok(edited.includes('WEFT-CAP-RED') && !edited.includes('WEFT-CAP-BLUE'));
      }
      assert.ok(lines.some((line) => /^done: 6 orders sent, 5 sales orders in NetSuite, each once; 1 parked, [01] announced in Slack #ops$/.test(line)), lines.join('\n'));
      assert.ok(lines.some((line) => line.includes(`npm run weft -- replay ${summary.fixes[0]!.exceptionId} --input `)));

      // A second demo in the same folder: new sandboxes, so a new store, the first one kept.
      lines.length = 0;
      const again = await (await runDemo(config, { stdout: (line) => lines.push(line), orders: 6, exitWhenDone: true })).done;
      assert.deepEqual([again.salesOrders, again.fixes.length], [5, 1], lines.join('\n'));
      assert.ok(existsSync(join(dir, '.weft', 'previous-demo', 'weft.db')), 'the first demo’s store is kept');
      assert.ok(lines.some((line) => line.includes("the previous demo's store is kept in")), lines.join('\n'));
    } finally {
      if (previousKey === undefined) delete process.env.WEFT_MASTER_KEY_FILE;
      else process.env.WEFT_MASTER_KEY_FILE = previousKey;
    }
  });

  it('refuses a store it did not make, and leaves it as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-demo-'));
    const db = join(dir, '.weft', 'weft.db');
    mkdirSync(dirname(db));
    writeFileSync(db, 'a store of weft start');
    const config = loadConfig({ cwd: dir, env: {}, overrides: { port: 0, db, logLevel: 'silent' } });
    await assert.rejects(runDemo(config, { stdout: () => {}, orders: 1, exitWhenDone: true }), /holds a store the demo did not make; run the demo on a store of its own: npm run demo -- --db/);
    assert.equal(readFileSync(db, 'utf8'), 'a store of weft start');
  });
});
