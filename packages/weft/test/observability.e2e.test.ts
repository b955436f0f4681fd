/**
 * Observability of a real `weft start` process: quiet logs when healthy, run ids on the lines
 * of a failing run, health endpoints, and /metrics behind a token counting what happened.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startErp, type Erp } from '../src/demo/erp.ts';
import { deliverOrder, makeOrder } from '../src/demo/shop.ts';
import { spawnEngine, waitFor, type EngineProcess } from './support/engine-process.ts';
import { writeOrderFlow } from './support/order-flow.ts';

const SECRET = 'observability-secret';
const ADMIN_PASSWORD = 'correct horse battery staple';

/** pino lines (JSON with a numeric level) written after the process said it was listening. */
function logLinesAfterStartup(engine: EngineProcess): Array<Record<string, unknown> & { level: number; msg: string }> {
  const output = engine.output();
  const afterStartup = output.slice(output.indexOf('weft listening on'));
  return afterStartup
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { level: number; msg: string });
}

describe('observability of a running engine', () => {
  let erp: Erp;
  let engine: EngineProcess;

  before(async () => {
    erp = await startErp();
    const { flows, db } = writeOrderFlow({ retry: 'retry: { maxAttempts: 2, initialDelay: 50ms, maxDelay: 100ms }' });
    engine = await spawnEngine({
      flows,
      db,
      port: 0,
      env: { WEFT_LOG_LEVEL: 'info', WEFT_EGRESS_ALLOW: '127.0.0.1', ERP_URL: erp.url, SHOP_WEBHOOK_SECRET: SECRET, WEFT_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
  });
  after(async () => {
    engine.child.kill('SIGTERM');
    await engine.exited;
    await erp.close();
  });

  const deliver = (n: number, options: { badSku?: boolean } = {}) =>
    deliverOrder({ hookUrl: `${engine.url}/hooks/shop/orders`, secret: SECRET, order: makeOrder(n, options), webhookId: `obs-${n}`, nowMs: Date.now() });

  it('writes nothing at info level while orders flow normally', { timeout: 30_000 }, async () => {
    for (let n = 1; n <= 5; n++) assert.equal((await deliver(n)).status, 202);
    await waitFor(() => erp.stats().created === 5, 15_000, 'five sales orders');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(logLinesAfterStartup(engine).filter((line) => line.level >= 30), [], engine.output());
  });

  it('names the run, flow and step on the line of a run that failed', { timeout: 30_000 }, async () => {
    assert.equal((await deliver(6, { badSku: true })).status, 202);
    await waitFor(() => logLinesAfterStartup(engine).some((line) => line.msg === 'run.exception'), 15_000, 'the exception line');
    const line = logLinesAfterStartup(engine).find((candidate) => candidate.msg === 'run.exception')!;
    assert.equal(line.flowId, 'orders');
    assert.equal(line.stepPath, 'create');
    assert.match(String(line.runId), /^run_/);
  });

  it('answers /healthz and /readyz without a token and /metrics only with one', { timeout: 30_000 }, async () => {
    const get = async (path: string, token?: string) => {
      const response = await request(`${engine.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
      return { status: response.statusCode, text: await response.body.text() };
    };
    assert.deepEqual(await get('/healthz'), { status: 200, text: '{"status":"ok"}' });
    assert.deepEqual(await get('/readyz'), { status: 200, text: '{"status":"ready"}' });
    assert.equal((await get('/metrics')).status, 401);

    const session = await request(`${engine.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: ADMIN_PASSWORD }),
    });
    assert.equal(session.statusCode, 200);
    const { token } = (await session.body.json()) as { token: string };
    const metrics = await get('/metrics', token);
    assert.equal(metrics.status, 200);
    const value = (series: string) => Number(metrics.text.split('\n').find((line) => line.startsWith(series + ' '))?.slice(series.length + 1));
    assert.equal(value('weft_events_received_total{flow="orders",outcome="accepted"}'), 6);
    assert.equal(value('weft_runs_total{flow="orders",status="succeeded"}'), 5);
    assert.equal(value('weft_runs_total{flow="orders",status="exception"}'), 1);
    assert.equal(value('weft_open_exceptions{flow="orders",reason="validation"}'), 1);
    assert.equal(value('weft_step_duration_seconds_count{flow="orders",step="create"}'), 5);
    const host = new URL(erp.url).host;
    assert.equal(value(`weft_outbound_calls_total{connection="${host}",status_class="2xx"}`), 5);
    assert.equal(value(`weft_outbound_calls_total{connection="${host}",status_class="4xx"}`), 1);
    assert.equal(value('weft_oldest_due_run_age_seconds'), 0, 'nothing is waiting');
    assert.match(metrics.text, /^process_resident_memory_bytes \d+/m);
  });
});
