import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XrefConflictError, planLink, type XrefRow } from './xref-plan.ts';

const row = (system: string, id: string, group: string): XrefRow => ({ system, id, group, linkedAt: 0 });

describe('planLink', () => {
  it('starts a group when neither id is linked', () => {
    assert.deepEqual(planLink('customer', { system: 'shopify', id: '7001' }, { system: 'netsuite', id: '3345' }, [], [], 'g1'), {
      kind: 'insert',
      group: 'g1',
      rows: [
        { system: 'shopify', id: '7001' },
        { system: 'netsuite', id: '3345' },
      ],
    });
  });

  it('adds the new id to the group of the linked one, from either side', () => {
    const group = [row('shopify', '7001', 'g1'), row('netsuite', '3345', 'g1')];
    assert.deepEqual(planLink('customer', { system: 'shopify', id: '7001' }, { system: 'stripe', id: 'cus_9' }, group, [], 'new'), {
      kind: 'insert',
      group: 'g1',
      rows: [{ system: 'stripe', id: 'cus_9' }],
    });
    assert.deepEqual(planLink('customer', { system: 'stripe', id: 'cus_9' }, { system: 'netsuite', id: '3345' }, [], group, 'new'), {
      kind: 'insert',
      group: 'g1',
      rows: [{ system: 'stripe', id: 'cus_9' }],
    });
  });

  it('is a no-op for a link that exists', () => {
    const group = [row('shopify', '7001', 'g1'), row('netsuite', '3345', 'g1')];
    assert.deepEqual(planLink('customer', { system: 'shopify', id: '7001' }, { system: 'netsuite', id: '3345' }, group, group, 'new'), { kind: 'already-linked' });
  });

  it('refuses a second id in a system the group already has: the conflict names both', () => {
    const group = [row('shopify', '7001', 'g1'), row('netsuite', '3345', 'g1')];
    assert.throws(
      () => planLink('customer', { system: 'shopify', id: '7001' }, { system: 'netsuite', id: '9999' }, group, [], 'new'),
      (error: unknown) =>
        error instanceof XrefConflictError &&
        error.message === 'shopify customer 7001 is already linked to netsuite customer 3345, so it cannot also be netsuite customer 9999',
    );
  });

  it('treats a business key as a system: two customers claiming one email conflict', () => {
    const group = [row('email', 'jane@example.com', 'g1'), row('shopify', '7001', 'g1')];
    assert.throws(() => planLink('customer', { system: 'email', id: 'jane@example.com' }, { system: 'shopify', id: '7002' }, group, [], 'new'), XrefConflictError);
  });

  it('merges two groups that share no system, and refuses ones that disagree', () => {
    const g1 = [row('shopify', '7001', 'g1'), row('netsuite', '3345', 'g1')];
    const g2 = [row('stripe', 'cus_9', 'g2'), row('quickbooks', '58', 'g2')];
    assert.deepEqual(planLink('customer', { system: 'shopify', id: '7001' }, { system: 'stripe', id: 'cus_9' }, g1, g2, 'new'), { kind: 'merge', from: 'g2', into: 'g1' });
    const g3 = [row('stripe', 'cus_9', 'g3'), row('netsuite', '4000', 'g3')];
    assert.throws(() => planLink('customer', { system: 'shopify', id: '7001' }, { system: 'stripe', id: 'cus_9' }, g1, g3, 'new'), XrefConflictError);
  });

  it('refuses to link two different ids of one system', () => {
    assert.throws(() => planLink('order', { system: 'shopify', id: '1' }, { system: 'shopify', id: '2' }, [], [], 'new'), XrefConflictError);
  });
});
