import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { schema, type Infer } from './schema.ts';

describe('schema', () => {
  const order = schema.Object({ id: schema.String(), total: schema.Number({ minimum: 0 }), note: schema.Optional(schema.String()) });

  it('builds plain JSON Schema', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(order)), {
      type: 'object',
      properties: { id: { type: 'string' }, total: { type: 'number', minimum: 0 }, note: { type: 'string' } },
      required: ['id', 'total'],
    });
  });

  it('types what it validates', () => {
    const value: Infer<typeof order> = { id: 'o_1', total: 12.5 };
    assert.equal(Value.Check(order, value), true);
    assert.equal(Value.Check(order, { id: 'o_1', total: -1 }), false);
  });
});
