import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonata from 'jsonata';
import { compilePropertyPath, NOT_PLAIN } from './property-path.ts';
import { toPlainValue } from './budgeted-jsonata.ts';

const inputs: unknown[] = [
  { trigger: { headers: { 'x-id': 'abc' } } },
  { trigger: { headers: { 'x-id': 42 } } },
  { trigger: { headers: { 'x-id': { nested: [1, 2] } } } },
  { trigger: { headers: { 'x-id': [1] } } },
  { trigger: { headers: { 'x-id': [] } } },
  { trigger: { headers: { 'x-id': null } } },
  { trigger: { headers: { 'x-id': false } } },
  { trigger: { headers: {} } },
  { trigger: { headers: 'text' } },
  { trigger: null },
  { trigger: [{ headers: { 'x-id': 'a' } }, { headers: { 'x-id': 'b' } }] },
  { trigger: { headers: { constructor: 'own' } } },
  {},
  'not an object',
];

describe('property paths', () => {
  for (const source of ['trigger.headers."x-id"', 'trigger.headers.constructor', 'trigger', 'trigger.headers']) {
    it(`gives JSONata's result for ${source}, or declines`, async () => {
      const resolve = compilePropertyPath(jsonata(source).ast());
      assert.ok(resolve, 'a plain path is recognised');
      let answered = 0;
      for (const input of inputs) {
        const fast = resolve(input);
        if (fast === NOT_PLAIN) continue;
        answered++;
        assert.deepEqual(fast, toPlainValue(await jsonata(source).evaluate(input)), JSON.stringify(input));
      }
      assert.ok(answered >= 2, `answered ${answered} of ${inputs.length}`);
    });
  }

  it('declines anything but plain names', () => {
    for (const source of ['a.b[0]', 'a.(b)', 'a.b^(c)', 'a.b#$i', '$x.a', 'a.*', 'a.b@$c', '"text"', 'a + 1', '$.a', 'a[]']) {
      assert.equal(compilePropertyPath(jsonata(source).ast()), undefined, source);
    }
  });
});
