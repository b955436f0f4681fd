import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createExpressionEngine, ExpressionError } from './expression.ts';
import { compileTemplate, parseTemplate } from './template.ts';

describe('templates', () => {
  const engine = createExpressionEngine();
  after(() => engine.close());
  const input = { trigger: { body: { id: 1042, tags: ['a', 'b'], name: 'Ann & Bo' } } };

  it('renders placeholders between literal text', async () => {
    const template = compileTemplate(engine, 'https://erp.test/orders/{{ trigger.body.id }}/lines?x={{trigger.body.name}}');
    assert.equal(template.expressions.length, 2);
    assert.equal(await template.render(input), 'https://erp.test/orders/1042/lines?x=Ann & Bo');
  });

  it('JSON-stringifies non-string results and renders undefined as nothing', async () => {
    assert.equal(await compileTemplate(engine, '{{ trigger.body.tags }}|{{ trigger.missing }}|{{ true }}').render(input), '["a","b"]||true');
  });

  it('leaves text without placeholders alone', async () => {
    const template = compileTemplate(engine, 'Bearer abc');
    assert.equal(template.expressions.length, 0);
    assert.equal(await template.render(input), 'Bearer abc');
  });

  it('applies resolveText to literal parts only', async () => {
    const template = compileTemplate(engine, '${env:X}/{{ "${env:X}" }}', { resolveText: (text) => text.replaceAll('${env:X}', 'resolved') });
    assert.equal(await template.render({}), 'resolved/${env:X}');
  });

  it('reports syntax errors at their offset in the template', () => {
    assert.throws(
      () => compileTemplate(engine, 'https://x.test/{{ trigger.id bar }}'),
      (err: unknown) => err instanceof ExpressionError && err.code === 'ERR_EXPRESSION_SYNTAX' && err.position === 29,
    );
    assert.throws(
      () => compileTemplate(engine, 'a {{ b'),
      (err: unknown) => err instanceof ExpressionError && err.position === 2 && /unclosed/.test(err.message),
    );
    assert.throws(() => compileTemplate(engine, 'a {{  }}'), /empty/);
  });

  it('splits text and placeholders with offsets', () => {
    assert.deepEqual(parseTemplate('a{{ x }}b'), [
      { kind: 'text', text: 'a', offset: 0 },
      { kind: 'expression', source: 'x', offset: 4 },
      { kind: 'text', text: 'b', offset: 8 },
    ]);
  });
});
