import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XrefConflictError, planLink, type XrefRow } from './xref-plan.ts';

const row = (system: string, id: string, group: string): XrefRow => ({ system, id, group, linkedAt: 0 });

function catchConflict(link: () => unknown): XrefConflictError {
  try {
    link();
  } catch (error) {
    if (error instanceof XrefConflictError) return error;
    throw error;
  }
  throw new assert.AssertionError({ message: 'the link was not refused' });
}

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

  it('refuses a second id in a system the group already has, naming the link in the way, its group and the command that takes it out', () => {
    const group = [row('shopify', '7001', 'g1'), row('netsuite', '3345', 'g1')];
    const conflict = catchConflict(() => planLink('customer', { system: 'shopify', id: '7001' }, { system: 'netsuite', id: '9999' }, group, [], 'new'));
    assert.equal(conflict.message, 'shopify customer 7001 is already linked to netsuite customer 3345 in cross-reference group g1, so it cannot also be netsuite customer 9999');
    assert.deepEqual(conflict.unlinks, [{ ref: { system: 'netsuite', id: '3345', group: 'g1' }, command: 'weft xref unlink customer netsuite:3345' }]);
    assert.equal(conflict.remedy('then replay'), 'If netsuite customer 3345 is the wrong one, take it out with `weft xref unlink customer netsuite:3345`, then replay');
  });

  it('quotes an id in the command when a shell would split or expand it', () => {
    const group = [row('email', "o'neil @example.com", 'g1'), row('shopify', 'gid://shopify/Customer/1', 'g1')];
    const conflict = catchConflict(() => planLink('customer', { system: 'shopify', id: 'gid://shopify/Customer/1' }, { system: 'email', id: 'kim@example.com' }, group, [], 'new'));
    assert.equal(conflict.unlinks[0]!.command, `weft xref unlink customer 'email:o'\\''neil @example.com'`);
    const plain = catchConflict(() => planLink('customer', { system: 'shopify', id: 'gid://shopify/Customer/2' }, { system: 'email', id: "o'neil @example.com" }, [], group, 'new'));
    assert.equal(plain.unlinks[0]!.command, 'weft xref unlink customer shopify:gid://shopify/Customer/1');
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
    const conflict = catchConflict(() => planLink('customer', { system: 'shopify', id: '7001' }, { system: 'stripe', id: 'cus_9' }, g1, g3, 'new'));
    assert.equal(conflict.message, 'shopify customer 7001 is already linked to netsuite customer 3345 in cross-reference group g1, so it cannot also be netsuite customer 4000, linked in group g3');
    // Taking either NetSuite id out of its group lets the two groups merge: a person picks the wrong one.
    assert.equal(
      conflict.remedy('then replay'),
      'If netsuite customer 3345 is the wrong one, take it out with `weft xref unlink customer netsuite:3345`; if netsuite customer 4000 is, with `weft xref unlink customer netsuite:4000`; then replay',
    );
  });

  it('refuses to link two different ids of one system, which no unlink resolves', () => {
    const conflict = catchConflict(() => planLink('order', { system: 'shopify', id: '1' }, { system: 'shopify', id: '2' }, [], [], 'new'));
    assert.equal(conflict.message, 'shopify order 1 and shopify order 2 are two ids of one system, and an order has at most one id per system');
    assert.deepEqual(conflict.unlinks, []);
    assert.equal(conflict.remedy('then replay'), undefined);
  });
});
