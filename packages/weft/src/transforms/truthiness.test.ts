import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonata from 'jsonata';
import { isTruthy } from './truthiness.ts';

describe('isTruthy: a when condition, by JSONata $boolean rules', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['true', true, true],
    ['false', false, false],
    ['a missing value', undefined, false],
    ['null', null, false],
    ['an empty string', '', false],
    ['a string', 'no', true],
    ['zero', 0, false],
    ['a number', -2.5, true],
    ['an empty array', [], false],
    ['an array of one false member', [0], false],
    ['an array of one true member', ['x'], true],
    ['an array with any true member', [0, '', 3], true],
    ['an array of false members', [0, '', null], false],
    ['an empty object', {}, false],
    ['an object', { a: 0 }, true],
  ];
  for (const [name, value, expected] of cases) {
    it(`${name} → ${expected}, as $boolean says`, async () => {
      assert.equal(isTruthy(value), expected);
      // The same value through JSONata itself, so the rule cannot drift from the library's.
      assert.equal(await jsonata('$boolean(v)').evaluate({ v: value }), value === undefined ? undefined : expected);
    });
  }

  it('a JSONata function is false', async () => {
    assert.equal(isTruthy(await jsonata('function($x) { $x }').evaluate({})), false);
    assert.equal(isTruthy(await jsonata('$uppercase').evaluate({})), false);
  });
});
