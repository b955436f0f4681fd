/**
 * The default dedupe of a webhook without a `dedupeKey`: the same bytes are one delivery, and an
 * empty body (a bare `curl -X POST`) is no repeat of anything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { request } from 'undici';
import { startTestWeft } from './support/weft-harness.ts';

const PING_FLOW = `id: ping
trigger:
  webhook: { path: ping }
steps:
  - id: echo
    map: trigger.query
`;

async function post(url: string, body?: string) {
  const response = await request(url, { method: 'POST', ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
  return { status: response.statusCode, answer: (await response.body.json()) as { runId: string; duplicate: boolean } };
}

describe('webhook dedupe without a dedupe key', () => {
  it('runs every delivery with an empty body, and a repeat of the same non-empty body once', async () => {
    const weft = await startTestWeft({ 'ping.flow.yaml': PING_FLOW });
    try {
      const first = await post(`${weft.url}/hooks/ping`);
      const second = await post(`${weft.url}/hooks/ping`);
      const third = await post(`${weft.url}/hooks/ping?at=3`);
      assert.deepEqual([first.status, second.status, third.status], [202, 202, 202], 'no empty delivery is a repeat of another');
      assert.equal(new Set([first.answer.runId, second.answer.runId, third.answer.runId]).size, 3);

      const body = '{"order":1001}';
      const original = await post(`${weft.url}/hooks/ping`, body);
      const repeat = await post(`${weft.url}/hooks/ping`, body);
      assert.deepEqual([original.status, repeat.status], [202, 200]);
      assert.equal(repeat.answer.runId, original.answer.runId, 'the same bytes again are the same delivery');
      assert.equal(repeat.answer.duplicate, true);
    } finally {
      await weft.close();
      await rm(weft.dir, { recursive: true, force: true });
    }
  });
});
