import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { ApiRole } from '../../store/store.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { ensureAdminPassword } from './admin-password.ts';
import { verifyPassword } from './auth.ts';
import { ADMIN_PASSWORD, startApiWeft, type ApiWeft } from './testing.ts';

/** Every route of the contract, with the least role it needs ('public' answers without a token). */
const ROUTES: Array<{ method: string; url: string; role: ApiRole | 'public'; body?: unknown }> = [
  { method: 'POST', url: '/api/v1/session', role: 'public', body: { password: 'wrong' } },
  { method: 'DELETE', url: '/api/v1/session', role: 'viewer' },
  { method: 'GET', url: '/api/v1/me', role: 'viewer' },
  { method: 'GET', url: '/api/v1/flows', role: 'viewer' },
  { method: 'GET', url: '/api/v1/flows/orders', role: 'viewer' },
  { method: 'POST', url: '/api/v1/flows/nope/disable', role: 'admin' },
  { method: 'POST', url: '/api/v1/flows/nope/enable', role: 'admin' },
  { method: 'GET', url: '/api/v1/runs', role: 'viewer' },
  { method: 'GET', url: '/api/v1/runs/run_nope', role: 'viewer' },
  { method: 'POST', url: '/api/v1/runs', role: 'operator', body: { flowId: 'nope', input: {} } },
  { method: 'GET', url: '/api/v1/events', role: 'viewer' },
  { method: 'GET', url: '/api/v1/exceptions', role: 'viewer' },
  { method: 'GET', url: '/api/v1/exceptions/groups', role: 'viewer' },
  { method: 'GET', url: '/api/v1/exceptions/exc_nope', role: 'viewer' },
  { method: 'POST', url: '/api/v1/exceptions/exc_nope/replay', role: 'operator', body: {} },
  { method: 'POST', url: '/api/v1/exceptions/exc_nope/discard', role: 'operator', body: { comment: 'dup' } },
  { method: 'POST', url: '/api/v1/exceptions/bulk', role: 'operator', body: { action: 'discard', filter: { flow: 'nope' }, comment: 'none' } },
  { method: 'GET', url: '/api/v1/jobs/job_nope', role: 'viewer' },
  { method: 'GET', url: '/api/v1/calls', role: 'viewer' },
  { method: 'GET', url: '/api/v1/connections', role: 'viewer' },
  { method: 'POST', url: '/api/v1/connections/nope/test', role: 'admin' },
  { method: 'GET', url: '/api/v1/connections/nope/authorize', role: 'admin' },
  { method: 'GET', url: '/api/v1/connections/oauth/callback?state=unknown', role: 'public' },
  { method: 'GET', url: '/api/v1/xref', role: 'viewer' },
  { method: 'GET', url: '/api/v1/reconciliations', role: 'viewer' },
  { method: 'GET', url: '/api/v1/tokens', role: 'admin' },
  { method: 'POST', url: '/api/v1/tokens', role: 'admin', body: { name: 'made-in-table', role: 'viewer' } },
  { method: 'DELETE', url: '/api/v1/tokens/tok_nope', role: 'admin' },
  { method: 'GET', url: '/api/v1/audit', role: 'viewer' },
  { method: 'GET', url: '/api/v1/metrics/summary', role: 'viewer' },
  { method: 'GET', url: '/api/v1/openapi.json', role: 'viewer' },
];
// The stream never ends by itself, so inject cannot wait for it: it has its own test over real HTTP.

const RANK: Record<ApiRole, number> = { viewer: 0, operator: 1, admin: 2 };

// The vault needs a master key to seal the connection secret this suite must never see again.
process.env.WEFT_MASTER_KEY = randomBytes(32).toString('base64');

describe('management API: auth and roles', () => {
  let weft: ApiWeft;
  const tokens = {} as Record<ApiRole, string>;
  before(async () => {
    weft = await startApiWeft();
    for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = await weft.tokenFor(role);
  });
  after(async () => weft.stop());

  it('answers 401 problem+json on every route without a token or with a bad one, except the public ones', async () => {
    for (const route of ROUTES) {
      for (const token of [undefined, 'weft_not-a-real-token', 'garbage']) {
        const answer = await weft.api(route.method, route.url, { ...(route.body === undefined ? {} : { body: route.body }), ...(token ? { token } : {}) });
        if (route.role === 'public') {
          // A wrong password is a 401 too, but not the token gate's.
          assert.notEqual(answer.body?.code, 'unauthorized', `${route.method} ${route.url}`);
          continue;
        }
        assert.equal(answer.status, 401, `${route.method} ${route.url} with ${token ?? 'no token'}: ${answer.text}`);
        assert.match(String(answer.headers['content-type']), /application\/problem\+json/);
        assert.equal(answer.body.code, 'unauthorized');
      }
    }
    const stream = await weft.api('GET', '/api/v1/stream');
    assert.equal(stream.status, 401);
    // The gate comes before validation: an unauthenticated caller learns nothing about the input.
    assert.equal((await weft.api('GET', '/api/v1/runs?status=bogus')).status, 401);
    assert.equal((await weft.api('POST', '/api/v1/exceptions/bulk', { body: { action: 'explode' } })).status, 401);
    assert.equal((await weft.api('HEAD', '/api/v1/runs')).status, 401);
  });

  it('lets each role call what its rank allows and answers 403 above it', async () => {
    for (const route of ROUTES) {
      if (route.role === 'public') continue;
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        // Signing out would revoke the token the next rows use: sessions are checked below.
        if (route.method === 'DELETE' && route.url.endsWith('/session')) continue;
        const answer = await weft.api(route.method, route.url, { token: tokens[role], ...(route.body === undefined ? {} : { body: route.body }) });
        const label = `${role} ${route.method} ${route.url}: ${answer.status} ${answer.text.slice(0, 200)}`;
        if (RANK[role] >= RANK[route.role]) {
          assert.ok(answer.status !== 401 && answer.status !== 403, label);
          assert.ok(answer.status < 500, label);
        } else {
          assert.equal(answer.status, 403, label);
          assert.equal(answer.body.code, 'forbidden');
        }
      }
    }
  });

  it('lists every contract route in the OpenAPI document, which validates as OpenAPI 3.1', async () => {
    const answer = await weft.api('GET', '/api/v1/openapi.json', { token: tokens.viewer });
    assert.equal(answer.status, 200);
    const document = answer.body;
    assert.equal(document.openapi, '3.1.0');
    const result = await validate(structuredClone(document));
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, { 'x-weft-role'?: string; security: unknown[] }>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        if (operation['x-weft-role'] === undefined) assert.deepEqual(operation.security, [], `${method} ${path} is public`);
      }
    }
    for (const route of [...ROUTES, { method: 'GET', url: '/api/v1/stream', role: 'viewer' }]) {
      const path = route.url
        .replace('/api/v1', '')
        .replace(/\?.*$/, '')
        .replace(/\/(orders|nope|run_nope|exc_nope|job_nope|tok_nope)(\/|$)/, '/{id}$2');
      assert.ok(documented.has(`${route.method} ${path}`), `${route.method} ${path} is documented`);
      const operation = document.paths[path][route.method.toLowerCase()];
      assert.equal(operation['x-weft-role'], route.role === 'public' ? undefined : route.role, `${route.method} ${path} role`);
    }
  });

  it('shows a new token once, keeps only its sha256, and stops accepting it once revoked', async () => {
    const created = await weft.api('POST', '/api/v1/tokens', { token: weft.adminToken, body: { name: 'ci-bot', role: 'operator' } });
    assert.equal(created.status, 201);
    const { id, token } = created.body as { id: string; token: string };
    assert.match(token, /^weft_[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');

    const listed = await weft.api('GET', '/api/v1/tokens', { token: weft.adminToken });
    assert.ok(listed.body.items.some((item: { id: string }) => item.id === id));
    assert.ok(!listed.text.includes(token), 'the list never shows a token');
    assert.ok(!listed.text.includes(createHash('sha256').update(token).digest('hex')), 'nor its hash');

    const db = new Database(weft.config.db, { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Record<string, unknown>;
      assert.equal(row.hash, createHash('sha256').update(token).digest('hex'));
      assert.ok(!Object.values(row).some((value) => value === token), 'no column holds the token');
    } finally {
      db.close();
    }

    assert.deepEqual((await weft.api('GET', '/api/v1/me', { token })).body, { name: 'ci-bot', role: 'operator' });
    assert.deepEqual((await weft.api('POST', '/api/v1/session', { body: { token } })).body, { name: 'ci-bot', role: 'operator' });
    assert.equal((await weft.api('DELETE', `/api/v1/tokens/${id}`, { token: weft.adminToken })).status, 204);
    assert.equal((await weft.api('GET', '/api/v1/me', { token })).status, 401);
    assert.equal((await weft.api('POST', '/api/v1/session', { body: { token } })).status, 401);
    assert.equal((await weft.api('DELETE', `/api/v1/tokens/${id}`, { token: weft.adminToken })).status, 404);
  });

  it('trades the admin password for an expiring admin session, stored hashed, and signs it out', async () => {
    const wrong = await weft.api('POST', '/api/v1/session', { body: { password: 'not it' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'invalid-credentials');
    assert.equal((await weft.api('POST', '/api/v1/session', { body: {} })).status, 400);

    const before = Date.now();
    const session = await weft.api('POST', '/api/v1/session', { body: { password: ADMIN_PASSWORD } });
    assert.equal(session.status, 200);
    assert.equal(session.body.role, 'admin');
    assert.ok(session.body.expiresAt >= before + weft.config.adminSessionTtlMs && session.body.expiresAt <= Date.now() + weft.config.adminSessionTtlMs);
    assert.deepEqual((await weft.api('GET', '/api/v1/me', { token: session.body.token })).body, { name: 'admin', role: 'admin' });

    const db = new Database(weft.config.db, { readonly: true });
    try {
      const stored = db.prepare(`SELECT password_hash FROM admin_credentials`).pluck().get() as string;
      assert.match(stored, /^scrypt\$/);
      assert.ok(!stored.includes(ADMIN_PASSWORD));
      assert.ok(await verifyPassword(ADMIN_PASSWORD, stored));
      const sessions = db.prepare(`SELECT hash, expires_at FROM api_tokens WHERE kind = 'session'`).all() as Array<{ hash: string; expires_at: number }>;
      assert.ok(sessions.some((row) => row.hash === createHash('sha256').update(session.body.token).digest('hex') && row.expires_at === session.body.expiresAt));
    } finally {
      db.close();
    }

    assert.equal((await weft.api('DELETE', '/api/v1/session', { token: session.body.token })).status, 204);
    assert.equal((await weft.api('GET', '/api/v1/me', { token: session.body.token })).status, 401);
  });

  it('never answers vault secrets: a connection shows its config only', async () => {
    const secret = `sk_test_${randomBytes(12).toString('hex')}`;
    await weft.store.connections.put({ id: 'payments', connectorId: 'stripe', config: { baseUrl: weft.erp.url }, now: Date.now() });
    await weft.outbound.vault.vault.put('payments', 'apiKey', secret);
    const answer = await weft.api('GET', '/api/v1/connections', { token: tokens.viewer });
    assert.equal(answer.status, 200);
    const payments = answer.body.items.find((item: { id: string }) => item.id === 'payments');
    assert.deepEqual(payments.config, { baseUrl: weft.erp.url });
    assert.equal(payments.health, 'unknown');
    assert.ok(!answer.text.includes(secret));
  });
});

describe('admin password at first start', () => {
  it('is generated once when none is configured, and a configured one replaces it', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const first = await ensureAdminPassword(store.tokens, '', 1);
      assert.ok(first.generated && first.generated.length >= 20);
      assert.deepEqual(await ensureAdminPassword(store.tokens, '', 2), {}, 'printed once only');
      assert.ok(await verifyPassword(first.generated!, (await store.tokens.adminPasswordHash())!));

      assert.deepEqual(await ensureAdminPassword(store.tokens, 'chosen-by-ops', 3), {});
      const hash = (await store.tokens.adminPasswordHash())!;
      assert.ok(await verifyPassword('chosen-by-ops', hash));
      assert.ok(!(await verifyPassword(first.generated!, hash)));
    } finally {
      await store.close();
    }
  });
});
