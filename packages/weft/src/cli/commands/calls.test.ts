import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWeft, seedStore, tempDir, type SeededStore } from '../testing.ts';

describe('weft calls', () => {
  let dir: string;
  let seeded: SeededStore;
  before(async () => {
    dir = tempDir();
    seeded = await seedStore(dir);
  });

  it('lists a run\'s calls as JSON, with headers and bodies only when --full', async () => {
    const { runId } = seeded.exceptions[0]!;
    const brief = await runWeft(['calls', '--run', runId, '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(brief.code, 0, brief.stderr);
    const [call, ...others] = JSON.parse(brief.stdout);
    assert.deepEqual(others, []);
    assert.equal(call.runId, runId);
    assert.equal(call.status, 422);
    assert.equal(call.method, 'POST');
    assert.equal(call.stepPath, 'createSalesOrder');
    assert.equal('requestBody' in call, false);

    const full = await runWeft(['calls', '--run', runId, '--full', '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(JSON.parse(full.stdout)[0].requestBody, '{"externalId":"1001"}');
  });

  it('prints the audit log as a table, and as request/response blocks with --full', async () => {
    const table = await runWeft(['calls', '--db', seeded.path], { cwd: dir });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[1]!, /^2026-01-02T09:30:01\.000Z\s+run_\S+\s+createSalesOrder\s+1\s+POST\s+https:\/\/erp\.example\.com\/api\/sales-orders\s+201\s+42ms$/);

    const full = await runWeft(['calls', '--run', seeded.succeededRunId, '--full', '--db', seeded.path], { cwd: dir });
    assert.match(full.stdout, /POST https:\/\/erp\.example\.com\/api\/sales-orders {2}→ 201 in 42ms\n/);
    assert.match(full.stdout, /> idempotency-key: weft-abc\n> \{"externalId":"1001"\}\n< content-type: application\/json\n< \{"id":"SO-1"\}\n/);
  });
});
