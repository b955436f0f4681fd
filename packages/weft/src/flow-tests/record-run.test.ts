import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey } from '../connectors/vault/master-key.ts';
import { FLOW_SECRETS, openVault } from '../connectors/vault/open-vault.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { redactBody, redactHeaders, redactQueryParameters, redactUrl } from '../engine/redact.ts';
import { readCredentialValues } from './credential-values.ts';
import { recordRun } from './record-run.ts';
import { formatRecording, parseRecording } from './recording-file.ts';

const NOW = Date.UTC(2026, 0, 2, 9, 30);
const CANARY = 'sk_live_canary_5b1f0e9a7c';
const FLOW_SECRET = 'flow-secret-31d4c8e2';

/** A finished run whose event and calls carry the connection's key where no name-based redaction looks. */
async function seedRun(store: Store, env: Record<string, string>): Promise<string> {
  await store.connections.put({ id: 'erp', connectorId: 'stripe', config: { baseUrl: 'https://erp.example.com' }, now: NOW });
  const { vault } = openVault(store.secrets, env);
  await vault.put('erp', 'token', CANARY);
  await vault.put(FLOW_SECRETS, 'ERP_SIGNING', FLOW_SECRET);
  const event = {
    id: 'evt_1',
    source: 'webhook' as const,
    receivedAt: new Date(NOW).toISOString(),
    headers: { 'content-type': 'application/json', 'content-length': '99', 'x-signature': 'abc123', 'x-note': `key ${CANARY}` },
    query: { token: 'query-token-value', page: '1' },
    body: { id: 1001, password: 'hunter2-hunter2', note: `pasted ${FLOW_SECRET}` },
  };
  await store.ingest({ id: event.id, flowId: 'orders', dedupeKey: 'k', orderingKey: null, receivedAt: NOW, event, runId: 'run_1' });
  const [run] = await store.claimRuns({ workerId: 'w', now: NOW, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
  await store.recordCall({
    at: NOW,
    flowId: 'orders',
    runId: 'run_1',
    stepPath: 'post',
    attempt: 1,
    connection: 'erp',
    method: 'POST',
    url: `https://erp.example.com/v1/orders?api_key=${encodeURIComponent(CANARY)}&expand=lines`,
    status: 401,
    durationMs: 12,
    requestHeaders: { authorization: '[REDACTED]', 'x-echo': CANARY },
    requestBody: JSON.stringify({ externalId: '1001', password: 'hunter2-hunter2' }),
    responseHeaders: { 'content-type': 'application/json' },
    responseBody: JSON.stringify({ error: { message: `Invalid API Key provided: ${CANARY}` } }),
    error: null,
  });
  await store.checkpoint('run_1', run!.fence, { path: 'post', output: { ok: true }, outcome: 'done' }, { now: NOW });
  await store.completeRun('run_1', run!.fence, NOW);
  return 'run_1';
}

describe('recordRun', () => {
  it('leaves no credential in the recording, wherever the audit log kept one', async () => {
    const env = { WEFT_MASTER_KEY: generateMasterKey() };
    const store = createSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'weft-record-')), 'weft.db') });
    try {
      const runId = await seedRun(store, env);
      const credentials = await readCredentialValues(store, env);
      assert.deepEqual(credentials.sort(), [FLOW_SECRET, CANARY].sort());
      const recording = await recordRun(store, runId, { redactFields: ['password'], credentials });
      for (const file of ['r.json', 'r.yaml']) {
        const text = formatRecording(recording, file);
        assert.equal(text.includes(CANARY), false, `${file} holds the connection key`);
        assert.equal(text.includes(encodeURIComponent(CANARY)), false, `${file} holds the URL-encoded key`);
        assert.equal(text.includes(FLOW_SECRET), false, `${file} holds the flow secret`);
        assert.equal(text.includes('hunter2-hunter2'), false, `${file} holds a redactFields value`);
        assert.equal(text.includes('query-token-value'), false, `${file} holds a token from the event's query`);
        assert.equal(text.includes('abc123'), false, `${file} holds the delivery's signature`);
        assert.deepEqual(parseRecording(text, file), recording, 'what is written reads back the same');
      }
      // What is not a credential stays, so the replay still answers the same requests.
      assert.equal(recording.calls[0]?.url, 'https://erp.example.com/v1/orders?api_key=[REDACTED]&expand=lines');
      assert.deepEqual(recording.trigger.headers, { 'content-type': 'application/json', 'x-signature': '[REDACTED]', 'x-note': 'key [REDACTED]' });
      assert.deepEqual(recording.trigger.body, { id: 1001, password: '[REDACTED]', note: 'pasted [REDACTED]' });
      assert.deepEqual(recording.connections, { erp: { connector: 'stripe', config: { baseUrl: 'https://erp.example.com' } } });
      assert.equal(recording.calls[0]?.response?.status, 401);
    } finally {
      await store.close();
    }
  });

  it('redacts a form-encoded body an older audit record kept as it was sent', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const event = { id: 'evt_3', source: 'manual' as const, receivedAt: new Date(NOW).toISOString(), headers: {}, query: {}, body: {} };
      await store.ingest({ id: event.id, flowId: 'orders', dedupeKey: 'k3', orderingKey: null, receivedAt: NOW, event, runId: 'run_3' });
      const [run] = await store.claimRuns({ workerId: 'w', now: NOW, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      await store.recordCall({
        at: NOW,
        flowId: 'orders',
        runId: 'run_3',
        stepPath: 'charge',
        attempt: 1,
        method: 'POST',
        url: 'https://api.stripe.com/v1/charges',
        status: 200,
        durationMs: 9,
        error: null,
        requestHeaders: form,
        requestBody: 'amount=2000&card[cvc]=123&password=hunter2',
        responseHeaders: form,
        responseBody: 'access_token=at-1234567&token_type=bearer',
      });
      await store.completeRun('run_3', run!.fence, NOW);
      const [call] = (await recordRun(store, 'run_3', { redactFields: ['cvc'], credentials: [] })).calls;
      assert.deepEqual([call?.request.body, call?.response?.body], ['amount=2000&card[cvc]=[REDACTED]&password=[REDACTED]', 'access_token=[REDACTED]&token_type=bearer']);
    } finally {
      await store.close();
    }
  });

  it('hides by name exactly what the audit log and the API hide: one rule, in engine/redact.ts', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      // As an older Weft may have kept it: nothing redacted yet.
      const query = { key: 'AIzaSyD-query', token: 't-1', 'card[number]': '4242424242424242', pin: '1234', page: '2', keyword: 'shoes' };
      const event = { id: 'evt_4', source: 'webhook' as const, receivedAt: new Date(NOW).toISOString(), headers: { 'x-shopify-hmac-sha256': 'h', accept: '*/*' }, query, body: {} };
      await store.ingest({ id: event.id, flowId: 'orders', dedupeKey: 'k4', orderingKey: null, receivedAt: NOW, event, runId: 'run_4' });
      const [run] = await store.claimRuns({ workerId: 'w', now: NOW, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
      const raw = {
        url: 'https://u:p@api.example.com/v1/charges?key=AIzaSyD-url&api_key=k&card[number]=4242424242424242&order[number]=7&pin=1234&page=2',
        requestHeaders: { 'content-type': 'application/json', authorization: 'Bearer b', x_api_key: 'x', 'idempotency-key': 'weft-1' },
        requestBody: JSON.stringify({ card: { number: '4242424242424242', cvc: '123', exp_month: 12 }, metafield: { key: 'color' }, client_secret: 'cs', pin: '1234', order: { number: '7' } }),
        responseHeaders: { 'content-type': 'application/x-www-form-urlencoded', 'set-cookie': 's=1' },
        responseBody: 'access_token=at-1&token_type=bearer&key=k2&bank_account[account_number]=000123456789&bank_account[routing_number]=110000000',
      };
      await store.recordCall({ at: NOW, flowId: 'orders', runId: 'run_4', stepPath: 'charge', attempt: 1, method: 'POST', status: 200, durationMs: 3, error: null, ...raw });
      await store.completeRun('run_4', run!.fence, NOW);
      const redactFields = ['pin'];

      const recording = await recordRun(store, 'run_4', { redactFields, credentials: [] });
      const [call] = recording.calls;
      assert.deepEqual(
        {
          url: call?.url,
          request: call?.request,
          response: { headers: call?.response?.headers, body: call?.response?.body },
          triggerQuery: recording.trigger.query,
          triggerHeaders: recording.trigger.headers,
        },
        {
          url: redactUrl(raw.url, redactFields),
          request: { headers: redactHeaders(raw.requestHeaders), body: redactBody(raw.requestBody, redactFields, 'application/json') },
          response: { headers: redactHeaders(raw.responseHeaders), body: redactBody(raw.responseBody, redactFields, raw.responseHeaders['content-type']) },
          triggerQuery: redactQueryParameters(query, redactFields),
          triggerHeaders: redactHeaders(event.headers),
        },
      );
      // And the rule is the one spelt out, not merely the same twice.
      assert.equal(call?.url, 'https://[REDACTED]:[REDACTED]@api.example.com/v1/charges?key=[REDACTED]&api_key=[REDACTED]&card[number]=[REDACTED]&order[number]=7&pin=[REDACTED]&page=2');
      assert.deepEqual(recording.trigger.query, { key: '[REDACTED]', token: '[REDACTED]', 'card[number]': '[REDACTED]', pin: '[REDACTED]', page: '2', keyword: 'shoes' });
      assert.equal(call?.response?.body, 'access_token=[REDACTED]&token_type=bearer&key=[REDACTED]&bank_account[account_number]=[REDACTED]&bank_account[routing_number]=110000000');
    } finally {
      await store.close();
    }
  });

  it('refuses when the vault holds secrets it cannot open to look for', async () => {
    const env = { WEFT_MASTER_KEY: generateMasterKey() };
    const store = createSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'weft-record-')), 'weft.db') });
    try {
      await seedRun(store, env);
      await assert.rejects(readCredentialValues(store, {}), /the vault holds secrets but no master key is set .*nothing was written/);
    } finally {
      await store.close();
    }
  });

  it('refuses a run that has not finished, and one that does not exist', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const event = { id: 'evt_2', source: 'manual' as const, receivedAt: new Date(NOW).toISOString(), headers: {}, query: {}, body: {} };
      await store.ingest({ id: event.id, flowId: 'orders', dedupeKey: 'k2', orderingKey: null, receivedAt: NOW, event, runId: 'run_2' });
      await assert.rejects(recordRun(store, 'run_2', { redactFields: [], credentials: [] }), /run run_2 is queued; record it once it has finished/);
      await assert.rejects(recordRun(store, 'run_x', { redactFields: [], credentials: [] }), /there is no run run_x/);
    } finally {
      await store.close();
    }
  });
});
