import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.ts';
import { createMetrics, type WeftMetrics } from '../observability/metrics.ts';
import { observeStore, type ObservedStore } from '../store/observed-store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { observabilityRoutes } from './observability-routes.ts';
import { sendProblem } from './problem.ts';

/** Stands in for the API's role check: one viewer token. */
const authorize = () => async (request: FastifyRequest, reply: FastifyReply) => {
  if (request.headers.authorization !== 'Bearer viewer-token') return sendProblem(reply, 401, 'unauthorized', 'Unauthorized');
};

describe('observability routes', () => {
  let dir: string;
  let store: ObservedStore;
  let metrics: WeftMetrics;
  let app: FastifyInstance;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-routes-'));
    store = observeStore(createSqliteStore({ path: join(dir, 'weft.db') }));
    metrics = createMetrics({ store, clock: systemClock });
    app = Fastify();
    await app.register(observabilityRoutes, { metrics, store, authorize });
  });
  after(async () => {
    await app.close();
    metrics.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves Prometheus text to a viewer and 401 without a token', async () => {
    const denied = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(denied.statusCode, 401);
    const response = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer viewer-token' } });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.match(response.body, /^# TYPE weft_oldest_due_run_age_seconds gauge$/m);
    assert.match(response.body, /^weft_oldest_due_run_age_seconds 0$/m);
    assert.match(response.body, /^nodejs_eventloop_lag_seconds /m);
  });

  it('answers /healthz and /readyz without a token', async () => {
    assert.deepEqual((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  it('is not ready when the database has a migration this code does not know', async () => {
    const db = new Database(join(dir, 'weft.db'));
    db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(9999, '9999-from-the-future.sql');
    db.close();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    assert.match(response.json().detail, /migrations this version does not know: 9999/);
  });

  it('is not ready when the store is closed', async () => {
    await store.close();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    assert.match(response.json().detail, /does not answer/);
  });
});
