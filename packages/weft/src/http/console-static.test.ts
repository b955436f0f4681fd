import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { consoleStatic } from './console-static.ts';

async function appServing(dir: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/api/v1/me', async () => ({ name: 'x' }));
  await app.register(consoleStatic, { dir });
  return app;
}

describe('console static files', () => {
  const root = mkdtempSync(join(tmpdir(), 'weft-console-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="app"></div>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'not for the web');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves index.html at / and for every client-side route, never cached', async () => {
    const app = await appServing(dist);
    for (const url of ['/', '/exceptions/exc_1', '/runs?status=exception']) {
      const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      assert.equal(response.statusCode, 200, url);
      assert.match(response.headers['content-type'] as string, /^text\/html/);
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.match(response.headers['content-security-policy'] as string, /default-src 'self'/);
      assert.match(response.body, /id="app"/);
    }
  });

  it('caches hashed assets for a year', async () => {
    const app = await appServing(dist);
    const response = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/javascript/);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.body, 'console.log(1)');
  });

  it('answers a missing asset with 404, not with index.html', async () => {
    const app = await appServing(dist);
    const response = await app.inject({ method: 'GET', url: '/assets/index-gone.js' });
    assert.equal(response.statusCode, 404);
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
  });

  it('leaves /api and /hooks to their routes: unknown paths there are problem+json 404s', async () => {
    const app = await appServing(dist);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/me' })).json().name, 'x');
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).json().status, 'ok');
    for (const url of ['/api/v1/nothing', '/hooks/shop/orders']) {
      const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      assert.equal(response.statusCode, 404, url);
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/, url);
      assert.equal(response.json().status, 404, url);
    }
  });

  it('never serves a file outside the build folder', async () => {
    const app = await appServing(dist);
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      const response = await app.inject({ method: 'GET', url });
      assert.doesNotMatch(response.body, /not for the web/, url);
    }
  });

  it('explains how to build the console when it is not built', async () => {
    const app = await appServing(join(root, 'missing'));
    const response = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 404);
    assert.match(response.body, /npm run build -w @weft\/console/);
  });
});
