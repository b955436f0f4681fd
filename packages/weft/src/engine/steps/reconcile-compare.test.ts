import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeValue, sameValue } from './reconcile-compare.ts';

const equal = (a: unknown, b: unknown) => assert.equal(sameValue(a, b), true, `${JSON.stringify(a)} should equal ${JSON.stringify(b)}`);
const different = (a: unknown, b: unknown) => assert.equal(sameValue(a, b), false, `${JSON.stringify(a)} should differ from ${JSON.stringify(b)}`);

describe('sameValue: the reconcile comparison rule', () => {
  it('compares money amounts as decimals, in the same currency', () => {
    equal({ amount: '10.0', currency: 'USD' }, { amount: '10.00', currency: 'USD' });
    equal({ amount: '010.50', currency: 'USD' }, { currency: 'USD', amount: 10.5 });
    equal({ amount: '0.00', currency: 'EUR' }, { amount: '-0', currency: 'EUR' });
    different({ amount: '19.999999999999999', currency: 'USD' }, { amount: '20', currency: 'USD' });
    different({ amount: '12345678901234567890', currency: 'USD' }, { amount: '12345678901234567891', currency: 'USD' });
    different({ amount: '10.00', currency: 'USD' }, { amount: '10.00', currency: 'EUR' });
    different({ amount: '-1', currency: 'USD' }, { amount: '1', currency: 'USD' });
  });

  it('compares date-times with offsets as instants, to any fraction of a second', () => {
    equal('2026-01-01T00:00:00Z', '2026-01-01T01:00:00+01:00');
    equal('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z');
    equal('2026-01-01T00:00Z', '2026-01-01T00:00:00Z');
    different('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.0000001Z');
    different('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z');
    // Without an offset it is not an instant: compared as written.
    different('2026-01-01T00:00:00', '2026-01-01T00:00:00.000');
    different('2026-01-01', '2026-01-01T00:00:00Z');
  });

  it('compares other strings as written: leading zeros, spaces, hex and exponents matter', () => {
    different('02134', '2134');
    different('000123', '123');
    different('12345678901234567890', '12345678901234567891');
    different('0x10', '16');
    different(' 5 ', '5');
    different('0012', '12');
    different('10.0', '10.00');
    equal('kim@example.com', 'kim@example.com');
  });

  it('compares numbers as numbers, and never a number with a string', () => {
    equal(19.9, 19.9);
    equal(0, -0);
    different(1000, '1e3');
    different(16, '16');
    different(1, true);
  });

  it('treats null and no value as the same, in objects too', () => {
    equal(null, undefined);
    equal({ phone: null, email: 'a@b.c' }, { email: 'a@b.c' });
    different(null, '');
    different(undefined, 0);
    different({ phone: '1' }, {});
  });

  it('compares objects in any key order and arrays in order', () => {
    equal({ a: 1, b: { c: 'x', d: [1, 2] } }, { b: { d: [1, 2], c: 'x' }, a: 1 });
    different(['a', 'b'], ['b', 'a']);
    different(['a'], ['a', 'a']);
    different({ a: 1 }, [1]);
  });

  it('describes a missing value in words rather than as undefined or null', () => {
    assert.equal(describeValue(undefined), '(no value)');
    assert.equal(describeValue(null), '(no value)');
    assert.equal(describeValue('0012'), '"0012"');
  });
});
