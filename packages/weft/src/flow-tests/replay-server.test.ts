import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { RecordedCall, Recording } from './recording-file.ts';
import { startReplayServer } from './replay-server.ts';

function call(method: string, url: string, status: number | null, body = ''): RecordedCall {
  return {
    step: 'post',
    attempt: 1,
    method,
    url,
    request: { headers: {}, body: null },
    response: status === null ? null : { status, headers: { 'content-type': 'application/json', 'content-length': '999', 'x-request-id': 'req_1' }, body },
  };
}

function recording(calls: RecordedCall[]): Recording {
  return { weftRecording: 1, flow: 'f', run: 'run_1', status: 'succeeded', trigger: { source: 'manual', headers: {}, query: {}, body: null }, connections: {}, calls };
}

describe('startReplayServer', () => {
  it('answers repeated requests with their recorded answers in order, whatever the origin and query order', async () => {
    const server = await startReplayServer(
      recording([
        call('POST', 'https://erp.example.com/api/orders', 503, '{"try":"again"}'),
        call('GET', 'https://erp.example.com/api/items?page=1&size=2', 200, '{"page":1}'),
        call('POST', 'https://erp.example.com/api/orders', 201, '{"id":"SO-1"}'),
      ]),
    );
    try {
      const first = await request(`${server.url}/api/orders`, { method: 'POST', body: '{}' });
      assert.equal(first.statusCode, 503);
      assert.equal(await first.body.text(), '{"try":"again"}');
      assert.equal(first.headers['x-request-id'], 'req_1');
      const items = await request(`${server.url}/api/items?size=2&page=1`);
      assert.equal(items.statusCode, 200);
      assert.equal(await items.body.text(), '{"page":1}');
      const second = await request(`${server.url}/api/orders`, { method: 'POST', body: '{}' });
      assert.equal(second.statusCode, 201);
      assert.equal(await second.body.text(), '{"id":"SO-1"}');
      assert.deepEqual(server.unmatched(), []);

      const extra = await request(`${server.url}/api/orders`, { method: 'POST', body: '{}' });
      assert.equal(extra.statusCode, 501);
      assert.match(await extra.body.text(), /the recording has no response for POST \/api\/orders/);
      await (await request(`${server.url}/api/items?page=2&size=2`)).body.text();
      assert.deepEqual(server.unmatched(), [
        { method: 'POST', path: '/api/orders' },
        { method: 'GET', path: '/api/items?page=2&size=2' },
      ]);
    } finally {
      await server.close();
    }
  });

  it('drops the connection for a call that got no response when recorded', async () => {
    const server = await startReplayServer(recording([call('GET', 'https://erp.example.com/health', null)]));
    try {
      await assert.rejects(request(`${server.url}/health`), /other side closed|socket hang up|ECONNRESET/);
    } finally {
      await server.close();
    }
  });
});
