import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInSandboxes } from '@weft/connectors';
import { generateMasterKey } from '../../connectors/vault/master-key.ts';
import { openVault } from '../../connectors/vault/open-vault.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runWeft, tempDir } from '../testing.ts';

const REFUND_FLOW = `id: refund
trigger:
  manual: {}
steps:
  - id: refund
    call:
      connection: stripe
      action: create-refund
      input: '{ "payment_intent": trigger.body.paymentIntent }'
`;

describe('weft record', () => {
  it('records a run against the Stripe sandbox, then replays it offline with the sandbox gone', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'flows/refund.yaml'), REFUND_FLOW);
    writeFileSync(join(dir, 'weft.config.yaml'), 'db: ./weft.db\nflows:\n  - ./flows\n');
    writeFileSync(join(dir, 'input.json'), '{"paymentIntent": "pi_SbxSeed00000002"}');
    const masterKey = generateMasterKey();
    const sandbox = await builtInSandboxes.stripe!();
    let runId: string;
    try {
      const store = createSqliteStore({ path: join(dir, 'weft.db') });
      await store.connections.put({ id: 'stripe', connectorId: 'stripe', config: { ...sandbox.connectionConfig }, now: Date.now() });
      await openVault(store.secrets, { WEFT_MASTER_KEY: masterKey }).vault.put('stripe', 'token', sandbox.credentials.token!);
      await store.close();
      const run = await runWeft(['run', 'refund', '--input', 'input.json', '--wait', '--json'], { cwd: dir, env: { WEFT_MASTER_KEY: masterKey, WEFT_EGRESS_ALLOW: '127.0.0.1' } });
      assert.equal(run.code, 0, run.stderr);
      const ran = JSON.parse(run.stdout) as { runId: string; status: string };
      assert.equal(ran.status, 'succeeded');
      runId = ran.runId;
    } finally {
      await sandbox.close();
    }

    const recorded = await runWeft(['record', '--run', runId, '--test', 'tests/refund.test.yaml'], { cwd: dir, env: { WEFT_MASTER_KEY: masterKey } });
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.equal(recorded.stdout, `recorded run ${runId} (succeeded, 1 call) to tests/recordings/${runId}.json\nwrote a test that replays it to tests/refund.test.yaml\n`);
    const recording = readFileSync(join(dir, `tests/recordings/${runId}.json`), 'utf8');
    assert.equal(recording.includes(sandbox.credentials.token!), false, 'the recording holds the API key');
    const [call] = (JSON.parse(recording) as { calls: Array<{ url: string; response: { status: number; body: string } }> }).calls;
    assert.match(call!.url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/refunds$/);
    assert.equal(call!.response.status, 200);
    assert.match(call!.response.body, /"payment_intent":"pi_SbxSeed00000002"/);
    const skeleton = readFileSync(join(dir, 'tests/refund.test.yaml'), 'utf8');
    assert.match(skeleton, new RegExp(`stripe:\\n {4}replay: recordings/${runId}\\.json\\n`));

    // No sandbox answers now: every response comes from the recording.
    const replayed = await runWeft(['test'], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(replayed.code, 0, replayed.stdout + replayed.stderr);
    assert.match(replayed.stdout, new RegExp(`✓ replays run ${runId} \\(`));
    assert.match(replayed.stdout, /\n1 passed, 0 failed\n$/);

    // A flow that now calls differently is caught: the recording has no answer for the new request.
    writeFileSync(join(dir, 'flows/refund.yaml'), REFUND_FLOW.replace('action: create-refund', 'action: list-customers').replace(`input: '{ "payment_intent": trigger.body.paymentIntent }'`, "input: '{}'"));
    const changed = await runWeft(['test'], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(changed.code, 1);
    assert.match(changed.stdout, new RegExp(`the recording .*${runId}\\.json has no response for GET /v1/customers`));

    const again = await runWeft(['record', '--run', runId], { cwd: dir, env: { WEFT_MASTER_KEY: masterKey } });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `weft: not overwriting tests/recordings/${runId}.json; nothing was written\n`);
  });

  it('names a run that does not exist', async () => {
    const dir = tempDir();
    const store = createSqliteStore({ path: join(dir, 'weft.db') });
    await store.close();
    const result = await runWeft(['record', '--run', 'run_missing', '--db', 'weft.db'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'weft: there is no run run_missing\n');
  });
});
