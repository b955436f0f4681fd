/**
 * The audit log under a real crash: the engine is a child process, killed with SIGKILL while a
 * call step's request is out (the destination holds it without answering). The request may well
 * have reached the vendor, so the audit must show it — as a request whose answer is missing —
 * beside the re-send of the engine that took the run over, which is the next attempt, not a
 * fresh first one.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { runWeft } from '../src/cli/testing.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { NO_ANSWER_RECORDED, type CallRecord } from '../src/store/store.ts';
import { freePort, spawnEngine, waitFor, type EngineProcess } from './support/engine-process.ts';
import { writeFlowProject } from './support/flow-project.ts';

describe('a crash while a call is in flight', () => {
  it('leaves the request on record with no answer, beside the re-send after the takeover', { timeout: 60_000 }, async () => {
    // The first request is held open until the engine is gone; later ones are answered at once.
    const received: Array<{ idempotencyKey: string | undefined; body: string }> = [];
    const vendor = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ idempotencyKey: req.headers['idempotency-key'] as string | undefined, body });
        if (received.length > 1) res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"SO-1"}');
      });
    });
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    const vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;

    const { dir, flows, db } = writeFlowProject('call-audit', {
      'orders.flow.yaml': `id: orders
trigger:
  webhook: { path: orders }
steps:
  - id: create
    call:
      url: ${vendorUrl}/api/sales-orders
      body: trigger.body
      timeout: 60s
`,
    });
    const port = await freePort();
    const env = { WEFT_LEASE_MS: '1500', WEFT_POLL_INTERVAL_MS: '100', WEFT_EGRESS_ALLOW: '127.0.0.1' };
    let engine: EngineProcess = await spawnEngine({ flows, db, port, env });
    after(async () => {
      engine.child.kill('SIGKILL');
      vendor.closeAllConnections();
      await new Promise((resolve) => vendor.close(resolve));
    });

    const accepted = await request(`${engine.url}/hooks/orders`, { method: 'POST', body: '{"order":"A-1"}', headers: { 'content-type': 'application/json' } });
    assert.equal(accepted.statusCode, 202);
    const { runId } = (await accepted.body.json()) as { runId: string };
    await waitFor(() => received.length === 1, 10_000, `the first request at the vendor\n${engine.output()}`);

    engine.child.kill('SIGKILL');
    await engine.exited;
    engine = await spawnEngine({ flows, db, port, env });

    const readCalls = async (): Promise<CallRecord[]> => {
      const store = createSqliteStore({ path: db });
      try {
        return await store.listCalls({ runId, now: Date.now() });
      } finally {
        await store.close();
      }
    };
    await waitFor(async () => (await readCalls()).some((call) => call.status === 201), 20_000, `the re-send's answer on record\n${engine.output()}`);

    assert.equal(received.length, 2, 'the vendor got the request twice');
    assert.equal(received[1]!.idempotencyKey, received[0]!.idempotencyKey, 'with the same idempotency key');
    const calls = await readCalls();
    assert.deepEqual(
      calls.map((call) => ({ attempt: call.attempt, status: call.status, error: call.error, unanswered: call.unanswered, key: call.requestHeaders['idempotency-key'], body: call.requestBody })),
      [
        { attempt: 1, status: null, error: NO_ANSWER_RECORDED, unanswered: 'interrupted', key: received[0]!.idempotencyKey, body: '{"order":"A-1"}' },
        { attempt: 2, status: 201, error: null, unanswered: undefined, key: received[0]!.idempotencyKey, body: '{"order":"A-1"}' },
      ],
    );

    // What an operator reads: `weft calls` says it in words.
    const listed = await runWeft(['calls', '--run', runId, '--db', db], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trimEnd().split('\n').slice(1);
    assert.match(rows[0]!, /\s1\s+POST\s+\S+\s+no answer recorded\s*$/);
    assert.match(rows[1]!, /\s2\s+POST\s+\S+\s+201\s+\d+ms$/);
    const full = await runWeft(['calls', '--run', runId, '--full', '--db', db], { cwd: dir });
    assert.ok(full.stdout.includes(`→ ${NO_ANSWER_RECORDED}\nrun ${runId}, step create, attempt 1\n`), full.stdout);
  });
});
