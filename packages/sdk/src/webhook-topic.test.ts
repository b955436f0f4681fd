import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deliveryTopic } from './webhook-topic.ts';

describe('deliveryTopic', () => {
  const shopify = { header: 'X-Shopify-Topic', values: ['orders/create'] };
  const stripe = { field: 'type', values: ['payment_intent.succeeded'] };

  it('reads a header whatever the case of its name', () => {
    assert.equal(deliveryTopic(shopify, { 'x-shopify-topic': 'orders/updated' }, {}), 'orders/updated');
    assert.equal(deliveryTopic(shopify, { 'X-Shopify-Topic': ' orders/create ' }, {}), 'orders/create');
  });

  it('reads a top-level string field of the body', () => {
    assert.equal(deliveryTopic(stripe, {}, { type: 'charge.refunded' }), 'charge.refunded');
    assert.equal(deliveryTopic(stripe, { type: 'header, not body' }, { id: 'evt_1' }), undefined);
  });

  it('finds none in a missing header, an empty value, a non-string field or a body that is not an object', () => {
    assert.equal(deliveryTopic(shopify, { 'x-shopify-webhook-id': 'w1' }, { topic: 'orders/create' }), undefined);
    assert.equal(deliveryTopic(shopify, { 'x-shopify-topic': '  ' }, {}), undefined);
    assert.equal(deliveryTopic(stripe, {}, { type: 7 }), undefined);
    assert.equal(deliveryTopic(stripe, {}, [{ type: 'charge.refunded' }]), undefined);
    assert.equal(deliveryTopic(stripe, {}, null), undefined);
    assert.equal(deliveryTopic(stripe, {}, 'type=charge.refunded'), undefined);
  });
});
