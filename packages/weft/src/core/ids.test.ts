import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyText } from './ids.ts';

describe('keyText', () => {
  it('writes a NUL character as \\u0000, as JSON does, so PostgreSQL text can hold the key', () => {
    assert.equal(keyText('A\u0000B\u0000'), 'A\\u0000B\\u0000');
    assert.equal(keyText({ id: 'A\u0000B' }), '{"id":"A\\u0000B"}');
  });

  it('leaves a key without NUL as it is', () => {
    assert.equal(keyText('ABC-9 \\u0001 "quoted" ünïcode'), 'ABC-9 \\u0001 "quoted" ünïcode');
  });
});
