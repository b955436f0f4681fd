import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idempotencyKey, keyText } from './ids.ts';
import { itemPathPrefix, stepIdsAlong, withAnyItem } from './step-path.ts';

describe('step paths', () => {
  it('name an item by position exactly as before keys existed, so effect keys of runs in flight stay the same', () => {
    assert.equal(itemPathPrefix('lines', { index: 0 }) + 'create', 'lines[0].create');
    assert.equal(itemPathPrefix('outer[3].inner', { index: 12 }), 'outer[3].inner[12].');
    // The key of the first item's call, pinned: a change here re-sends every in-flight each.
    assert.equal(idempotencyKey('lines', 'evt_000000000001aaaaaaaaaa', 'perLine[0].create'), 'weft-fa93dfa019ed2b71e12bbbb88e7a41b847ab18c9');
  });

  it('name an item by its key JSON-quoted, so no key reads as a position or as another key', () => {
    assert.equal(itemPathPrefix('lines', { key: 'ABC-9' }) + 'create', 'lines["ABC-9"].create');
    assert.notEqual(itemPathPrefix('lines', { key: '0' }), itemPathPrefix('lines', { index: 0 }));
    assert.equal(itemPathPrefix('lines', { key: 'a"].b' }), 'lines["a\\"].b"].');
    assert.equal(itemPathPrefix('lines', { key: keyText({ order: 1, line: 2 }) }), 'lines["{\\"order\\":1,\\"line\\":2}"].');
  });

  it('parse back to the step ids along them, whatever a key holds', () => {
    assert.deepEqual(stepIdsAlong('createOrder'), ['createOrder']);
    assert.deepEqual(stepIdsAlong('lines[2].create'), ['lines', 'create']);
    for (const key of ['ABC-9', 'a.b', 'x]y', 'q"].r[0].s', 'back\\slash', '[1]']) {
      const path = itemPathPrefix(itemPathPrefix('orders', { key }) + 'lines', { index: 1 }) + 'create';
      assert.deepEqual(stepIdsAlong(path), ['orders', 'lines', 'create'], path);
      assert.equal(withAnyItem(path), 'orders[].lines[].create', path);
    }
  });
});

describe('keyText', () => {
  it('keeps a string as it is and writes anything else as JSON', () => {
    assert.equal(keyText('ABC-9'), 'ABC-9');
    assert.equal(keyText(42), '42');
    assert.equal(keyText({ id: 1 }), '{"id":1}');
  });
});
