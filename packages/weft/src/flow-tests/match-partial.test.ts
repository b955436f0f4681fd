import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMismatches, matchPartial } from './match-partial.ts';

describe('matchPartial', () => {
  it('accepts an actual value with more keys than expected, at any depth', () => {
    assert.deepEqual(matchPartial({ a: 1, b: { c: 'x' } }, { a: 1, z: true, b: { c: 'x', d: [1] } }), []);
  });

  it('reports every differing and missing key with its path', () => {
    const mismatches = matchPartial({ id: '1001', lines: [{ sku: 'MUG-1', qty: 2 }], customer: { email: 'a@b' } }, { id: 1001, lines: [{ sku: 'MUG-2', qty: 2 }], customer: {} });
    assert.deepEqual(mismatches, [
      { path: 'id', expected: '1001', actual: 1001 },
      { path: 'lines[0].sku', expected: 'MUG-1', actual: 'MUG-2' },
      { path: 'customer.email', expected: 'a@b', actual: undefined, isMissing: true },
    ]);
    assert.deepEqual(formatMismatches(mismatches), [
      '  at id: expected "1001", got 1001',
      '  at lines[0].sku: expected "MUG-1", got "MUG-2"',
      '  at customer.email: expected "a@b", it is missing',
    ]);
  });

  it('requires arrays to have the expected length, so a missing or extra line is caught', () => {
    assert.deepEqual(matchPartial([{ sku: 'A' }], [{ sku: 'A' }, { sku: 'B' }]), [{ path: 'length', expected: 1, actual: 2 }]);
    assert.deepEqual(matchPartial({ lines: [1, 2] }, { lines: [1] }), [{ path: 'lines.length', expected: 2, actual: 1 }]);
  });

  it('tells a key set to null from a key that is absent', () => {
    assert.deepEqual(matchPartial({ note: null }, { note: null }), []);
    assert.deepEqual(matchPartial({ note: null }, {}), [{ path: 'note', expected: null, actual: undefined, isMissing: true }]);
  });

  it('does not take an array for an object or an object for a scalar', () => {
    assert.deepEqual(matchPartial({ a: 1 }, [1]), [{ path: '', expected: { a: 1 }, actual: [1] }]);
    assert.deepEqual(matchPartial('text', { a: 1 }), [{ path: '', expected: 'text', actual: { a: 1 } }]);
    assert.deepEqual(formatMismatches(matchPartial(5, undefined)), ['  expected 5, got nothing']);
  });
});
