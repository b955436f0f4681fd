/**
 * An `each` with a `key`: items are known by what they are, not where they stand, so an edited
 * replay that removes, adds or reorders items sends only for new ones. In-process Weft, real
 * SQLite, real HTTP to a sink that counts what reached it.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { idempotencyKey } from '../src/core/ids.ts';
import type { ExceptionRecord } from '../src/store/store.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';

/**
 * A destination for order lines: 201 for a line, 422 for a sku starting with BAD, and a 503 the
 * first time it sees a sku starting with FLAKY. It counts every request that reaches it.
 */
interface LineSink {
  url: string;
  sentPerSku: Map<string, number>;
  keysPerSku: Map<string, string[]>;
  close(): Promise<void>;
}

async function startLineSink(): Promise<LineSink> {
  const sentPerSku = new Map<string, number>();
  const keysPerSku = new Map<string, string[]>();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
      const { sku } = JSON.parse(text) as { sku: string };
      const seen = sentPerSku.get(sku) ?? 0;
      sentPerSku.set(sku, seen + 1);
      keysPerSku.set(sku, [...(keysPerSku.get(sku) ?? []), String(req.headers['idempotency-key'])]);
      const [status, body] = sku.startsWith('BAD')
        ? [422, { error: `SKU '${sku}' does not exist` }]
        : sku.startsWith('FLAKY') && seen === 0
          ? [503, { error: 'try again' }]
          : [201, { id: `line-${sku}` }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sentPerSku,
    keysPerSku,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function linesFlow(id: string, options: { key?: string; retry?: string; stepRetry?: string } = {}): string {
  return `id: ${id}
trigger:
  webhook: { path: ${id} }
${options.retry ?? ''}
steps:
  - id: perLine
    each: trigger.body.lines
${options.key === undefined ? '' : `    key: ${options.key}\n`}    steps:
      - id: create
        call:
          url: \${env:SINK_URL}/lines
          body: '{ "sku": item.sku }'
${options.stepRetry === undefined ? '' : `        retry: ${options.stepRetry}\n`}`;
}

describe('each with a key', () => {
  let sink: LineSink;
  let weft: Awaited<ReturnType<typeof startTestWeft>>;
  before(async () => {
    sink = await startLineSink();
    process.env.SINK_URL = sink.url;
    weft = await startTestWeft({
      'keyed.yaml': linesFlow('keyed', { key: 'item.sku' }),
      'plain.yaml': linesFlow('plain'),
      'flaky.yaml': linesFlow('flaky', { key: 'item.sku', retry: 'retry: { maxAttempts: 1 }', stepRetry: '{ maxAttempts: 3, initialDelay: 50ms, maxDelay: 100ms }' }),
    });
  });
  after(async () => {
    await weft.close();
    await sink.close();
  });

  const deliver = async (flowId: string, lines: unknown[]) => {
    const response = await request(`${weft.url}/hooks/${flowId}`, { method: 'POST', body: JSON.stringify({ lines }), headers: { 'content-type': 'application/json' } });
    await response.body.dump();
    assert.equal(response.statusCode, 202);
  };
  const runOf = async (runId: string) => (await weft.store.getRun(runId))!;
  const onlyRunOf = async (flowId: string) => runOf((await weft.store.listRuns({ flowId }))[0]!.id);
  const sent = (sku: string) => sink.sentPerSku.get(sku) ?? 0;

  it('an edited replay that removes the first line and adds one sends only the new line, with no conflict', { timeout: 30_000 }, async () => {
    await deliver('keyed', [{ sku: 'CAP-BLACK' }, { sku: 'TSHIRT-RED-M' }, { sku: 'BAD-9' }]);
    await settledRuns(weft, 'keyed', 1);
    const [exception] = await weft.store.listExceptions({ flowId: 'keyed' });
    assert.deepEqual([exception?.reason, exception?.stepPath], ['validation', 'perLine["BAD-9"].create']);
    assert.deepEqual([sent('CAP-BLACK'), sent('TSHIRT-RED-M')], [1, 1]);

    // The operator drops the first line and replaces the bad one: TSHIRT-RED-M moves up a place.
    await weft.store.replayException(exception!.id, { now: Date.now(), input: { lines: [{ sku: 'TSHIRT-RED-M' }, { sku: 'CAP-BLUE' }] } });
    weft.engine.kick();
    await settledRuns(weft, 'keyed', 1);

    const run = await runOf(exception!.runId);
    assert.equal(run.status, 'succeeded', run.lastError ?? '');
    assert.deepEqual(await weft.store.listExceptions({ flowId: 'keyed', status: 'open' }), [], 'no conflict');
    assert.equal(sent('TSHIRT-RED-M'), 1, 'the line already delivered was not sent again');
    assert.equal(sent('CAP-BLUE'), 1, 'the new line was sent once');
    assert.deepEqual([sent('CAP-BLACK'), sent('BAD-9')], [1, 1], 'nothing else was sent');
    const paths = run.checkpoints.map((checkpoint) => checkpoint.path);
    assert.ok(paths.includes('perLine["TSHIRT-RED-M"].create') && paths.includes('perLine["CAP-BLUE"].create'), paths.join(', '));
    // The each step's own output is the per-item results in the items' order, as without a key.
    const output = run.checkpoints.find((checkpoint) => checkpoint.path === 'perLine')?.output;
    assert.deepEqual(output, [{ create: { status: 201, body: { id: 'line-TSHIRT-RED-M' } } }, { create: { status: 201, body: { id: 'line-CAP-BLUE' } } }]);
  });

  it('two items with the same key fail the each step as a mapping exception before any item runs', { timeout: 30_000 }, async () => {
    await deliver('keyed', [{ sku: 'DUP-1' }, { sku: 'DUP-2' }, { sku: 'DUP-1' }]);
    const exception = await waitForOpenException('keyed', (message) => message.includes('DUP-1'));
    assert.equal(exception.reason, 'mapping');
    assert.equal(exception.stepPath, 'perLine');
    assert.equal(exception.message, "The each step 'perLine' gives two items the key 'DUP-1' (the items at index 0 and 2); each item's key must be unique.");
    assert.deepEqual([sent('DUP-1'), sent('DUP-2')], [0, 0], 'no item ran');
    assert.deepEqual((await runOf(exception.runId)).checkpoints, []);
  });

  it('an item without a key, or with an empty one, fails the each step as a mapping exception before any item runs', { timeout: 30_000 }, async () => {
    await deliver('keyed', [{ sku: 'HAS-KEY-1' }, { name: 'no sku' }]);
    const missing = await waitForOpenException('keyed', (message) => message.includes('index 1'));
    assert.equal(missing.reason, 'mapping');
    assert.equal(missing.stepPath, 'perLine');
    assert.equal(missing.message, "The each step 'perLine' has no key for the item at index 1: its key (item.sku) is missing; every item needs a key that identifies it.");
    assert.equal(sent('HAS-KEY-1'), 0, 'no item ran');

    await deliver('keyed', [{ sku: '' }]);
    const empty = await waitForOpenException('keyed', (message) => message.includes('is empty'));
    assert.equal(empty.message, "The each step 'perLine' has no key for the item at index 0: its key (item.sku) is empty; every item needs a key that identifies it.");
  });

  it('a key longer than 128 characters fails the each step as a mapping exception before any item runs', { timeout: 30_000 }, async () => {
    const long = `LONG-${'x'.repeat(124)}`;
    await deliver('keyed', [{ sku: 'SHORT-1' }, { sku: long }]);
    const exception = await waitForOpenException('keyed', (message) => message.includes('129 characters'));
    assert.equal(exception.reason, 'mapping');
    assert.equal(exception.stepPath, 'perLine');
    assert.equal(exception.message, "The each step 'perLine' gives the item at index 1 a key of 129 characters (its key is item.sku); a key may have at most 128: key items by an id, a SKU or a line number.");
    assert.equal(sent('SHORT-1'), 0, 'no item ran');
  });

  it('without a key, items are known by position and their effect keys are those of before', { timeout: 30_000 }, async () => {
    await deliver('plain', [{ sku: 'PLAIN-A' }, { sku: 'PLAIN-B' }]);
    await settledRuns(weft, 'plain', 1);
    const run = await onlyRunOf('plain');
    assert.equal(run.status, 'succeeded', run.lastError ?? '');
    assert.deepEqual(run.checkpoints.map((checkpoint) => checkpoint.path), ['perLine[0].create', 'perLine[1].create', 'perLine']);
    assert.deepEqual(sink.keysPerSku.get('PLAIN-A'), [idempotencyKey('plain', run.event.id, 'perLine[0].create')]);
    assert.deepEqual(sink.keysPerSku.get('PLAIN-B'), [idempotencyKey('plain', run.event.id, 'perLine[1].create')]);
  });

  it("a keyed item's step retries under that step's own retry policy", { timeout: 30_000 }, async () => {
    await deliver('flaky', [{ sku: 'FLAKY-1' }]);
    await settledRuns(weft, 'flaky', 1);
    const run = await onlyRunOf('flaky');
    assert.equal(run.status, 'succeeded', `the flow allows one attempt, the step three: ${run.lastError ?? ''}`);
    assert.equal(sent('FLAKY-1'), 2);
  });

  async function waitForOpenException(flowId: string, matches: (message: string) => boolean): Promise<ExceptionRecord> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = (await weft.store.listExceptions({ flowId, status: 'open' })).find((exception) => matches(exception.message));
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no open exception of ${flowId} matched`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
});
