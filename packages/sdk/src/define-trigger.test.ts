import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineTrigger, type PollSpec, type PollTriggerDefinition, type TriggerEvent, type WebhookTriggerDefinition } from './define-trigger.ts';
import { linkHeader } from './pagination/link-header.ts';
import { schema } from './schema.ts';

const output = schema.Object({ id: schema.String(), updatedAt: schema.String() });

const orderCreated: WebhookTriggerDefinition<typeof output> = {
  id: 'order-created',
  name: 'Order created',
  strategy: 'webhook',
  output,
  webhook: {
    signature: { scheme: 'shopify' },
    dedupeId: (headers: Record<string, string>) => headers['x-shopify-webhook-id'],
    topic: { header: 'X-Shopify-Topic', values: ['orders/create'] },
  },
};

const ordersUpdated: PollTriggerDefinition<typeof output> = {
  id: 'orders-updated',
  name: 'Orders updated',
  strategy: 'poll',
  output,
  poll: {
    cursor: 'timestamp',
    request: (since: string | undefined) => ({ method: 'GET', path: '/orders', query: { updated_since: since } }),
    items: (body: unknown) => (body as { orders: unknown[] }).orders,
    nextCursor: (items: unknown[]) => (items as { updatedAt: string }[]).map((item) => item.updatedAt).sort().at(-1),
    dedupeId: (item: unknown) => `${(item as { id: string }).id}@${(item as { updatedAt: string }).updatedAt}`,
  },
};

describe('defineTrigger', () => {
  it('declares a webhook trigger', () => {
    const trigger = defineTrigger(orderCreated);
    assert.ok(Object.isFrozen(trigger) && Object.isFrozen(trigger.webhook?.signature));
    assert.equal(trigger.webhook?.dedupeId({ 'x-shopify-webhook-id': 'w1' }, {}), 'w1');
    assert.deepEqual(trigger.webhook?.topic?.values, ['orders/create']);
    assert.ok(Object.isFrozen(trigger.webhook?.topic?.values));
    const event: TriggerEvent<typeof trigger> = { id: 'o1', updatedAt: '2026-01-01' };
    assert.equal(event.id, 'o1');
  });

  it('declares a poll trigger', () => {
    const trigger = defineTrigger(ordersUpdated);
    assert.equal(trigger.strategy, 'poll');
    assert.deepEqual(trigger.poll?.request(undefined), { method: 'GET', path: '/orders', query: { updated_since: undefined } });
  });

  it('checks that the strategy and its spec agree', () => {
    assert.throws(() => defineTrigger({ ...orderCreated, webhook: undefined } as never), /webhook is required/);
    assert.throws(() => defineTrigger({ ...orderCreated, poll: ordersUpdated.poll } as never), /takes webhook, not poll/);
    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: undefined } as never), /poll is required/);
    assert.throws(() => defineTrigger({ ...orderCreated, strategy: 'schedule' } as never), /strategy must be/);
  });

  it('checks the signature declaration', () => {
    const withSignature = (signature: object) => ({ ...orderCreated, webhook: { ...orderCreated.webhook, signature } }) as never;
    assert.throws(() => defineTrigger(withSignature({ scheme: 'md5' })), /scheme must be one of/);
    assert.throws(() => defineTrigger(withSignature({ scheme: 'stripe', header: 'x-sig' })), /stripe scheme fixes header/);
    assert.throws(() => defineTrigger(withSignature({ scheme: 'hmac-sha256', signedPayload: 'timestamp.body' })), /needs a timestampHeader/);
    assert.throws(() => defineTrigger(withSignature({ scheme: 'slack', toleranceSeconds: 0 })), /toleranceSeconds must be a positive/);
    const generic = defineTrigger(withSignature({ scheme: 'hmac-sha256', header: 'x-signature', encoding: 'base64' }));
    assert.equal(generic.webhook?.signature.encoding, 'base64');
  });

  it('checks the topic declaration', () => {
    const withTopic = (topic: unknown) => ({ ...orderCreated, webhook: { ...orderCreated.webhook, topic } }) as never;
    assert.throws(() => defineTrigger(withTopic({ values: ['orders/create'] })), /exactly one of header .* or field/);
    assert.throws(() => defineTrigger(withTopic({ header: 'X-Shopify-Topic', field: 'type', values: ['orders/create'] })), /exactly one of header/);
    assert.throws(() => defineTrigger(withTopic({ header: 'X-Shopify-Topic', values: [] })), /values must list at least one topic/);
    assert.throws(() => defineTrigger(withTopic({ header: 'X-Shopify-Topic', values: ['orders/create', ' '] })), /values\[1\] must be a non-empty string/);
    assert.throws(() => defineTrigger(withTopic({ header: '', values: ['orders/create'] })), /topic.header must be a non-empty string/);
    assert.throws(() => defineTrigger(withTopic((headers: Record<string, string>) => headers['x-shopify-topic'])), /webhook.topic must be \{ header \| field, values \}/);
    assert.equal(defineTrigger(withTopic({ field: 'type', values: ['order.created'] })).webhook?.topic?.field, 'type');
  });

  it('takes exactly one rule for the cursor: cursorAfter, cursorFromLastPage or nextCursor', () => {
    const { nextCursor: _nextCursor, ...rest } = ordersUpdated.poll;
    const withoutRule: Omit<PollSpec, 'cursorAfter' | 'cursorFromLastPage' | 'nextCursor'> = rest;
    const later = (soFar: string | undefined, item: unknown) => {
      const { updatedAt } = item as { updatedAt: string };
      return soFar === undefined || updatedAt > soFar ? updatedAt : soFar;
    };
    const folded = defineTrigger({ ...ordersUpdated, poll: { ...withoutRule, cursorAfter: later } });
    assert.equal(['2026-01-02', '2026-01-03', '2026-01-01'].map((updatedAt) => ({ updatedAt })).reduce(folded.poll!.cursorAfter!, undefined), '2026-01-03');
    const fromLastPage = defineTrigger({ ...ordersUpdated, poll: { ...withoutRule, cursorFromLastPage: (body: unknown) => (body as { syncToken?: string }).syncToken } });
    assert.equal(fromLastPage.poll?.cursorFromLastPage?.({ syncToken: 's-2' }), 's-2');
    assert.equal(defineTrigger(ordersUpdated).poll?.nextCursor?.([{ updatedAt: '2026-01-02' }], undefined), '2026-01-02', 'nextCursor still works for the connectors written against it');

    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: withoutRule } as never), /exactly one of poll.cursorAfter .*poll.cursorFromLastPage .*poll.nextCursor .*got none/);
    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: { ...ordersUpdated.poll, cursorAfter: later } } as never), /got cursorAfter and nextCursor/);
    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: { ...withoutRule, cursorAfter: later, cursorFromLastPage: () => 's' } } as never), /got cursorAfter and cursorFromLastPage/);
    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: { ...withoutRule, cursorAfter: 'updatedAt' } } as never), /poll.cursorAfter must be a function/);
  });

  it('needs exactly one way to find polled items', () => {
    const both = { ...ordersUpdated, poll: { ...ordersUpdated.poll, pagination: linkHeader() } };
    assert.throws(() => defineTrigger(both), /exactly one of poll.items or poll.pagination/);
    const { items: _items, ...neither } = ordersUpdated.poll;
    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: neither }), /exactly one of poll.items/);
    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: { ...ordersUpdated.poll, cursor: 'date' } } as never), /poll.cursor/);
    assert.throws(() => defineTrigger({ ...ordersUpdated, poll: { ...ordersUpdated.poll, intervalMs: 1.5 } }), /intervalMs must be a positive integer/);
  });
});
