/**
 * A raw call step's credentials come from the flow's `${env:…}` and `${secret:…}` references, sent
 * under names that may say nothing (`X-Auth-Key`, `?key=`): the audit log hides them by value,
 * wherever they appear, and still shows where the call went.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { createSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { createExpressionEngine } from '../../transforms/expression.ts';
import { loadFlows, type LoadedFlow } from '../../flows/load-flow.ts';
import type { HttpCallStep } from '../../flows/flow-schema.ts';
import type { CheckpointSink } from '../executor.ts';
import { executeCallStep } from './call-step.ts';

const T0 = Date.UTC(2026, 0, 1);
const GOOGLE_KEY = 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';
const CF_KEY = 'cf-global-key-5d41402abc4b2a76';
const SIGNATURE = 'sig+with/chars=';

describe('the audit record of a raw call step', () => {
  const engine = createExpressionEngine();
  const dispatcher = new Agent();
  let store: SqliteStore;
  let vendor: Server;
  let vendorUrl: string;
  let dir: string;

  before(async () => {
    store = createSqliteStore({ path: ':memory:' });
    dir = await mkdtemp(join(tmpdir(), 'weft-call-audit-'));
    vendor = createServer((req, res) => {
      req.resume();
      // A vendor quoting the key it was given back, as error answers do.
      const key = req.headers['x-auth-key'];
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', ...(key === undefined ? {} : { 'x-echo': key }) }).end(JSON.stringify({ url: req.url })));
    });
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
  });
  after(async () => {
    await engine.close();
    await dispatcher.close();
    await new Promise((resolve) => vendor.close(resolve));
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  let files = 0;
  async function load(call: string, env: Record<string, string>, secrets: Record<string, string> = {}): Promise<LoadedFlow> {
    const file = join(dir, `${++files}.flow.yaml`);
    await writeFile(file, `id: geocode\ntrigger:\n  manual: {}\nsteps:\n  - id: lookup\n    call:\n${call}`);
    const { flows, diagnostics } = await loadFlows([file], { engine, env, secrets });
    assert.deepEqual(diagnostics, []);
    assert.ok(flows[0]);
    return flows[0];
  }

  let runs = 0;
  /** Runs the flow's one call step in a run of its own, and returns the call's audit record. */
  async function runCall(flow: LoadedFlow) {
    const runId = `run_${++runs}`;
    const event = { id: `evt_${runs}`, source: 'manual' as const, receivedAt: new Date(T0).toISOString(), headers: {}, query: {}, body: {} };
    await store.ingest({ id: event.id, runId, flowId: 'geocode', dedupeKey: runId, orderingKey: null, receivedAt: T0, event });
    await store.claimRuns({ workerId: 'worker', now: T0, leaseMs: 30_000, limit: 10, flowConcurrency: {}, flowIds: ['geocode'] });
    const queued: Promise<unknown>[] = [];
    const writes: Pick<CheckpointSink, 'defer' | 'settle'> = { defer: (write) => void queued.push(write), settle: async () => void (await Promise.all(queued.splice(0))) };
    const ctx = { flow, runId, eventId: event.id, stepPath: 'lookup', attempt: 1, signal: new AbortController().signal, writes };
    const deps = { store, clock: { now: () => T0 }, dispatcher, auditBodyBytes: 4096, redactFields: [], holds: new Map() };

    await executeCallStep(deps, ctx, flow.flow.steps[0] as HttpCallStep, { trigger: {}, steps: {} } as never);
    await writes.settle();

    const [call] = await store.listCalls({ runId, now: T0 });
    assert.ok(call);
    return call;
  }

  it('hides every referenced credential by value, in the URL, the headers and the answer', async () => {
    const flow = await load(
      [
        '      method: GET',
        '      url: ${env:VENDOR_URL}/maps/api/geocode/json?sig=${secret:SIGNATURE}',
        '      headers:',
        '        X-Auth-Key: ${secret:CF_KEY}',
        '        X-Region: ${env:REGION}',
        '      query:',
        '        key: ${env:GOOGLE_KEY}',
        '        address: Main St',
        '',
      ].join('\n'),
      { VENDOR_URL: vendorUrl, GOOGLE_KEY, REGION: 'eu' },
      { CF_KEY, SIGNATURE },
    );
    const call = await runCall(flow);
    const recorded = JSON.stringify(call);
    for (const secret of [GOOGLE_KEY, CF_KEY, encodeURIComponent(SIGNATURE), new URLSearchParams({ s: SIGNATURE }).toString().slice(2)]) {
      assert.ok(!recorded.includes(secret), `${secret} is not on record`);
    }
    assert.equal(call.url, `${vendorUrl}/maps/api/geocode/json?sig=[REDACTED]&key=[REDACTED]&address=Main+St`, 'the address the env reference gave stays');
    assert.equal(call.requestHeaders['x-auth-key'], '[REDACTED]');
    assert.equal(call.requestHeaders['x-region'], 'eu', 'a value too short to scrub stays');
    assert.equal(call.responseHeaders['x-echo'], '[REDACTED]');
    assert.match(call.responseBody ?? '', /"url":"\/maps\/api\/geocode\/json\?sig=\[REDACTED\]&key=\[REDACTED\]&address=Main\+St"/);
  });

  it('takes every reference of a call for a credential but an env one giving its address; a secret one anywhere', async () => {
    const flow = await load(
      [
        '      url: https://${env:TG_HOST}/bot${env:TG_TOKEN}/sendMessage?chat=${env:CHAT_ID}',
        '      headers:',
        '        Authorization: Bearer ${secret:TG_BEARER}',
        '',
      ].join('\n'),
      { TG_HOST: 'api.telegram.org', TG_TOKEN: '123456:ABC-DEF1234ghIkl', CHAT_ID: '-1001234567' },
      { TG_BEARER: 'bearer-value-1' },
    );
    assert.deepEqual([...(flow.credentialValues ?? [])].sort(), ['-1001234567', '123456:ABC-DEF1234ghIkl', 'bearer-value-1']);
    const base = await load("      url: ${env:ERP_URL}/orders\n", { ERP_URL: 'https://erp.example.com/api/v2' });
    assert.deepEqual(base.credentialValues, []);
    const secretPath = await load('      url: https://hooks.slack.com/services/${secret:SLACK_PATH}\n', {}, { SLACK_PATH: 'T0/B0/XXXXXXXX' });
    assert.deepEqual(secretPath.credentialValues, ['T0/B0/XXXXXXXX']);
  });

  it("keeps only the scheme and host of a url that is one ${env:…} as a whole, as a Slack webhook's is", async () => {
    const webhookPath = 'services/T0001ABCD/B0002EFGH/XXXXXXXXXXXXXXXXXXXXXXXX';
    const flow = await load(`      url: \${env:SLACK_WEBHOOK_URL}\n      body: '{ "text": "order shipped" }'\n`, { SLACK_WEBHOOK_URL: `${vendorUrl}/${webhookPath}` });
    const call = await runCall(flow);
    assert.equal(call.url, `${vendorUrl}/[REDACTED]`, 'where it went, not the key in its path');
    assert.equal(call.status, 200);
    const recorded = JSON.stringify(call);
    assert.ok(!recorded.includes(webhookPath), 'the path is nowhere on record, the echo of it included');
    assert.ok(!recorded.includes(encodeURIComponent(webhookPath)), 'nor percent-encoded');
    assert.equal(call.requestBody, '{"text":"order shipped"}');
  });

  it('shows a url that an env reference only begins, as the address it is', async () => {
    const flow = await load('      url: ${env:VENDOR_URL}/api/v2/orders\n', { VENDOR_URL: vendorUrl });
    assert.equal((await runCall(flow)).url, `${vendorUrl}/api/v2/orders`);
  });
});
