import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, defineAction, defineConnector, oauth2AuthorizationCode, schema } from '@weft/sdk';
import { startApiWeft, type ApiWeft } from './testing.ts';

const findOrders = defineAction({
  id: 'find-orders',
  name: 'Find sales orders',
  input: schema.Object({}),
  output: schema.Unknown(),
  request: () => ({ method: 'GET', path: '/api/sales-orders', query: { externalId: 'connection-test' } }),
});
const erpConnector = defineConnector({ id: 'api-test-erp', name: 'The ERP', baseUrl: 'https://erp.invalid', auth: [bearer()], actions: [findOrders], testAction: 'find-orders' });
const crmConnector = defineConnector({
  id: 'api-test-crm',
  name: 'The CRM',
  baseUrl: 'https://crm.invalid',
  auth: [oauth2AuthorizationCode({ authorizationUrl: 'https://login.crm.invalid/authorize', tokenUrl: 'https://login.crm.invalid/token', scopes: ['orders'], pkce: true })],
  actions: [findOrders],
});

// Connection secrets live in the vault, which needs a master key.
process.env.WEFT_MASTER_KEY = randomBytes(32).toString('base64');

describe('management API: connections', () => {
  let weft: ApiWeft;
  before(async () => {
    weft = await startApiWeft({ connectors: [erpConnector, crmConnector] });
    await weft.store.connections.put({ id: 'erp', connectorId: 'api-test-erp', config: { baseUrl: weft.erp.url }, now: Date.now() });
    await weft.store.connections.put({ id: 'crm', connectorId: 'api-test-crm', config: {}, now: Date.now() });
    await weft.outbound.vault.vault.put('erp', 'token', 'erp-token');
    await weft.outbound.vault.vault.put('crm', 'clientId', 'weft');
    await weft.outbound.vault.vault.put('crm', 'clientSecret', 'crm-client-secret');
  });
  after(async () => weft.stop());

  it('shows health, the shared pause and the breaker from what the calls through a connection did', async () => {
    const now = Date.now();
    const call = { flowId: 'orders', runId: 'run_1', stepPath: 'create', attempt: 1, method: 'POST', url: `${weft.erp.url}/x`, durationMs: 5, requestHeaders: {}, requestBody: null, responseHeaders: {}, responseBody: null, error: null, connection: 'erp' };
    await weft.store.recordCall({ ...call, at: now - 2000, status: 201 });
    await weft.store.recordCall({ ...call, at: now - 1000, status: 503 });
    await weft.store.rateLimits.pauseUntil('erp', now + 60_000, now);
    const answer = await weft.api('GET', '/api/v1/connections', { token: weft.adminToken });
    const erp = answer.body.items.find((item: { id: string }) => item.id === 'erp');
    assert.deepEqual(
      { health: erp.health, lastSuccessAt: erp.lastSuccessAt, lastFailureAt: erp.lastFailureAt, pausedUntil: erp.rateLimit.pausedUntil, breaker: erp.breaker },
      { health: 'failing', lastSuccessAt: now - 2000, lastFailureAt: now - 1000, pausedUntil: now + 60_000, breaker: 'open' },
    );
    const crm = answer.body.items.find((item: { id: string }) => item.id === 'crm');
    assert.deepEqual([crm.health, crm.breaker, crm.tokenExpiresAt], ['unknown', 'closed', null]);
  });

  it("makes the connector's test call, and audits it", async () => {
    const viewer = await weft.tokenFor('viewer');
    assert.equal((await weft.api('POST', '/api/v1/connections/erp/test', { token: viewer })).status, 403);
    const tested = await weft.api('POST', '/api/v1/connections/erp/test', { token: weft.adminToken });
    assert.equal(tested.status, 200, tested.text);
    assert.equal(tested.body.ok, true, tested.body.detail);
    assert.match(tested.body.detail, /^find-orders: HTTP 200/);
    assert.equal((await weft.api('POST', '/api/v1/connections/nope/test', { token: weft.adminToken })).status, 404);
    const audit = await weft.api('GET', '/api/v1/audit?action=connection.test', { token: viewer });
    assert.deepEqual(audit.body.items.map((entry: { actor: string; target: string }) => [entry.actor, entry.target]), [['admin', 'erp']]);
  });

  it('hands out an OAuth consent URL with state and PKCE, and refuses a callback it did not start', async () => {
    const answer = await weft.api('GET', '/api/v1/connections/crm/authorize', { token: weft.adminToken });
    assert.equal(answer.status, 200, answer.text);
    const url = new URL(answer.body.url);
    assert.equal(`${url.origin}${url.pathname}`, 'https://login.crm.invalid/authorize');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.ok((url.searchParams.get('state') ?? '').length >= 32);
    assert.equal(url.searchParams.get('redirect_uri'), 'http://localhost:80/api/v1/connections/oauth/callback');

    const forged = await weft.api('GET', '/api/v1/connections/oauth/callback?state=forged&code=abc');
    assert.equal(forged.status, 400);
    assert.equal(forged.body.code, 'unknown-consent');
    const denied = await weft.api('GET', `/api/v1/connections/oauth/callback?state=${url.searchParams.get('state')}&error=access_denied`);
    assert.equal(denied.body.code, 'consent-denied');
    const replayed = await weft.api('GET', `/api/v1/connections/oauth/callback?state=${url.searchParams.get('state')}&code=abc`);
    assert.equal(replayed.body.code, 'unknown-consent', 'a state is good for one callback');

    const notOauth = await weft.api('GET', '/api/v1/connections/erp/authorize', { token: weft.adminToken });
    assert.equal(notOauth.status, 409);
    assert.equal(notOauth.body.code, 'not-oauth');
  });
});
