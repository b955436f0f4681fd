/**
 * An edited replay of a call step that failed sends the edited request under a key of its own
 * when the destination refused the first without acting on it, and parks as a conflict when the
 * first may have been acted on. In-process Weft, real SQLite, real HTTP to a destination that
 * keeps idempotency keys as Stripe does.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import type { ExceptionRecord } from '../src/store/store.ts';
import { startTestWeft } from './support/weft-harness.ts';
import { listenOnLoopback } from './support/loopback.ts';

interface Received {
  key: string;
  sku: string;
  status: number;
}

/**
 * 201 for a sku, 422 for one starting with BAD, 503 for one starting with DOWN. A key seen before
 * with another body is refused with 400, and with the same body gets the first answer again.
 */
async function startKeyedDestination(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const answers = new Map<string, { body: string; status: number; answer: string }>();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const { sku } = JSON.parse(text) as { sku: string };
      const earlier = answers.get(key);
      let status: number;
      let answer: string;
      if (earlier !== undefined && earlier.body !== text) {
        [status, answer] = [400, JSON.stringify({ error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } })];
      } else if (earlier !== undefined) {
        [status, answer] = [earlier.status, earlier.answer];
      } else {
        [status, answer] = sku.startsWith('BAD') ? [422, '{"error":"no such sku"}'] : sku.startsWith('DOWN') ? [503, '{"error":"down"}'] : [201, JSON.stringify({ id: `order-${sku}` })];
        if (status !== 503) answers.set(key, { body: text, status, answer });
      }
      received.push({ key, sku, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(answer);
    });
  });
  return { ...(await listenOnLoopback(server)), received };
}

const ORDERS = `id: orders
trigger:
  webhook: { path: orders }
steps:
  - id: create
    call:
      url: \${env:DESTINATION_URL}/orders
      body: '{ "sku": trigger.body.sku }'
    retry: { maxAttempts: 1 }
`;

describe('an edited replay of a failed call', () => {
  let destination: Awaited<ReturnType<typeof startKeyedDestination>>;
  let weft: Awaited<ReturnType<typeof startTestWeft>>;
  before(async () => {
    destination = await startKeyedDestination();
    process.env.DESTINATION_URL = destination.url;
    weft = await startTestWeft({ 'orders.yaml': ORDERS });
  });
  after(async () => {
    await weft?.close();
    await destination.close();
  });

  const deliver = async (body: unknown) => {
    const response = await request(`${weft.url}/hooks/orders`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await response.body.dump();
    assert.equal(response.statusCode, 202);
  };
  const openException = async (matches: (exception: ExceptionRecord) => boolean): Promise<ExceptionRecord> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = (await weft.store.listExceptions({ flowId: 'orders', status: 'open' })).find(matches);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('no such exception');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const settled = async (runId: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const run = await weft.store.getRun(runId);
      if (run?.status === 'succeeded' || run?.status === 'exception') return run;
      if (Date.now() > deadline) throw new Error(`run ${runId} did not settle`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('sends the edited request under a key of its own when the destination refused the first (422), and it is created once', { timeout: 30_000 }, async () => {
    await deliver({ sku: 'BAD-1' });
    const refused = await openException((exception) => exception.reason === 'validation');
    await weft.store.replayException(refused.id, { now: Date.now(), input: { sku: 'GOOD-1' } });
    weft.engine.kick();
    const run = await settled(refused.runId);
    assert.equal(run.status, 'succeeded', run.lastError ?? '');
    const sent = destination.received.filter((request) => request.sku === 'BAD-1' || request.sku === 'GOOD-1');
    assert.deepEqual(sent.map((request) => [request.sku, request.status]), [['BAD-1', 422], ['GOOD-1', 201]]);
    assert.notEqual(sent[1]!.key, sent[0]!.key, 'the edited request has a key of its own');
    assert.deepEqual(await weft.store.listExceptions({ flowId: 'orders', status: 'open' }), []);
  });

  it('parks an edited replay as a conflict, sending nothing, when the first request may have been acted on (503)', { timeout: 30_000 }, async () => {
    await deliver({ sku: 'DOWN-1' });
    const down = await openException((exception) => exception.reason === 'destination-down');
    const before = destination.received.length;
    await weft.store.replayException(down.id, { now: Date.now(), input: { sku: 'GOOD-2' } });
    weft.engine.kick();
    const conflict = await openException((exception) => exception.runId === down.runId && exception.reason === 'conflict');
    assert.match(conflict.message, /^The step 'create' was sent before the input was edited, with another request under idempotency key weft-[0-9a-f]+, and it last failed as destination-down: the destination may have acted on it\./);
    assert.equal(destination.received.length, before, 'nothing was sent');

    // The way back the message gives: the input the first exception recorded sends the first request again, under its key.
    assert.match(conflict.message, new RegExp(`replay it with the input as it was first received, which exception ${down.id} shows`));
    const first = destination.received.find((request) => request.sku === 'DOWN-1')!;
    await weft.store.replayException(conflict.id, { now: Date.now(), input: down.input });
    weft.engine.kick();
    const deadline = Date.now() + 15_000;
    while (destination.received.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.deepEqual(destination.received.slice(before, before + 1).map((request) => [request.sku, request.key]), [['DOWN-1', first.key]]);
  });
});
