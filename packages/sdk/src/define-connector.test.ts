import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiKey, bearer } from './auth.ts';
import { defineAction } from './define-action.ts';
import { defineConnector } from './define-connector.ts';
import { defineTrigger } from './define-trigger.ts';
import { schema } from './schema.ts';

const createOrder = defineAction({
  id: 'create-order',
  name: 'Create order',
  input: schema.Object({ sku: schema.String(), quantity: schema.Integer() }),
  output: schema.Object({ id: schema.String() }),
  request: (order) => ({ method: 'POST', path: '/orders', body: order }),
});

const orderShipped = defineTrigger({
  id: 'order-shipped',
  name: 'Order shipped',
  strategy: 'webhook',
  output: schema.Object({ id: schema.String() }),
  webhook: { signature: { scheme: 'github' }, dedupeId: (headers) => headers['x-github-delivery'] },
});

const erp = {
  id: 'acme-erp',
  name: 'Acme ERP',
  baseUrl: 'https://erp.example.com/api/v2',
  auth: [bearer()],
  actions: [createOrder],
};

describe('defineConnector', () => {
  it('returns frozen data with typed actions in it', () => {
    const connector = defineConnector({
      ...erp,
      auth: [bearer(), apiKey({ in: 'header', name: 'X-Api-Key' })],
      rateLimit: { requestsPerSecond: 5, burst: 10, concurrency: 4, perEndpoint: { 'create-order': { requestsPerSecond: 1 } } },
      triggers: [orderShipped],
    });
    assert.ok(Object.isFrozen(connector) && Object.isFrozen(connector.actions) && Object.isFrozen(connector.rateLimit?.perEndpoint));
    assert.equal(connector.actions[0], createOrder);
    assert.deepEqual(connector.triggers, [orderShipped]);
  });

  it('defaults triggers to none and takes a per-connection base URL', () => {
    const shop = defineConnector({ ...erp, baseUrl: (config) => `https://${String(config.shop)}.example.com` });
    assert.deepEqual(shop.triggers, []);
    assert.equal(typeof shop.baseUrl === 'function' && shop.baseUrl({ shop: 'acme' }), 'https://acme.example.com');
  });

  it('rejects declarations that would fail at run time', () => {
    assert.throws(() => defineConnector({ ...erp, id: 'Acme ERP' }), /kebab-case/);
    assert.throws(() => defineConnector({ ...erp, baseUrl: 'erp.example.com' }), /baseUrl must be an absolute http\(s\) URL/);
    assert.throws(() => defineConnector({ ...erp, actions: [createOrder, createOrder] }), /two actions have the id "create-order"/);
    assert.throws(() => defineConnector({ ...erp, actions: [{ id: 'raw' } as never] }), /every action must come from defineAction/);
    assert.throws(() => defineConnector({ ...erp, actions: [] }), /no actions and no triggers/);
    assert.throws(() => defineConnector({ ...erp, auth: [{} as never] }), /auth must be a list of schemes/);
    assert.throws(() => defineConnector({ ...erp, rateLimit: { requestsPerSecond: 0 } }), /requestsPerSecond must be a positive number/);
    assert.throws(() => defineConnector({ ...erp, rateLimit: { concurrency: 2.5 } }), /concurrency must be a positive integer/);
    assert.throws(
      () => defineConnector({ ...erp, rateLimit: { perEndpoint: { 'delete-order': { requestsPerSecond: 1 } } } }),
      /names "delete-order", which is not one of its actions/,
    );
  });
});
