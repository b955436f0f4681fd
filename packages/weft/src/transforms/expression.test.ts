import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createExpressionEngine, ExpressionError, referencedSteps, stepReferences } from './expression.ts';
import { setFlowTime } from './flow-time.ts';

const CATASTROPHIC = '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)';

describe('expression engine', () => {
  const engine = createExpressionEngine({ budgetMs: 200 });
  after(() => engine.close());

  it('evaluates a plain expression on the main thread and returns plain JSON', async () => {
    const expression = engine.compile('{"total": $sum(trigger.items.price), "skus": trigger.items.sku}');
    assert.equal(expression.isIsolated, false);
    const result = await expression.evaluate({ trigger: { items: [{ sku: 'a', price: 2 }, { sku: 'b', price: 3 }] } });
    assert.deepStrictEqual(result, { total: 5, skus: ['a', 'b'] });
  });

  it("reads a run's recorded time as $now() and $millis(), on the main thread and in the regex worker alike", async () => {
    const scope = { trigger: { receivedAt: '2026-01-02T03:04:05.678Z' }, steps: {} };
    const receivedMs = Date.parse(scope.trigger.receivedAt);
    assert.equal(await engine.compile('$now()').evaluate(scope), '2026-01-02T03:04:05.678Z');
    assert.equal(await engine.compile('$millis()').evaluate(scope), receivedMs);
    assert.equal(await engine.compile("$now('[Y0001]-[M01]-[D01] [H01]:[m01]', '+0100')").evaluate(scope), '2026-01-02 04:04');
    const isolated = engine.compile('$contains("abc", /b/) ? $now() : "no"');
    assert.equal(isolated.isIsolated, true);
    assert.equal(await isolated.evaluate(scope), '2026-01-02T03:04:05.678Z');
    // A delay moves the time forward (the executor sets it on the scope).
    const afterDelay = { trigger: scope.trigger, steps: {} };
    setFlowTime(afterDelay, receivedMs + 86_400_000);
    assert.equal(await engine.compile('$now()').evaluate(afterDelay), '2026-01-03T03:04:05.678Z');
    assert.equal(await isolated.evaluate(afterDelay), '2026-01-03T03:04:05.678Z');
  });

  it('reads the clock as $now() for an input that is no run (no trigger.receivedAt)', async () => {
    const before = Date.now();
    const millis = (await engine.compile('$millis()').evaluate({ sku: 'A' })) as number;
    assert.ok(millis >= before && millis <= Date.now(), String(millis));
  });

  it('keeps undefined as undefined', async () => {
    assert.equal(await engine.compile('trigger.missing').evaluate({ trigger: {} }), undefined);
  });

  it('returns the same compiled object for the same source', () => {
    assert.equal(engine.compile('a + 1'), engine.compile('a + 1'));
  });

  it('reports a syntax error with the offset of the offending token', () => {
    assert.throws(
      () => engine.compile('trigger.id bar'),
      (err: unknown) => err instanceof ExpressionError && err.code === 'ERR_EXPRESSION_SYNTAX' && err.position === 11,
    );
  });

  it('wraps evaluation errors with jsonata’s message', async () => {
    await assert.rejects(engine.compile('"a" + 1').evaluate({}), (err: unknown) => {
      assert.ok(err instanceof ExpressionError);
      assert.equal(err.code, 'ERR_EXPRESSION_EVALUATION');
      assert.match(err.message, /must evaluate to a number/);
      return true;
    });
  });

  it('stops an endless tail-recursive function at the time budget', async () => {
    const started = performance.now();
    await assert.rejects(
      engine.compile('($f := function($x){ $f($x) }; $f(1))').evaluate({}),
      (err: unknown) => err instanceof ExpressionError && err.code === 'ERR_EXPRESSION_TIMEOUT',
    );
    assert.ok(performance.now() - started < 1000);
  });

  it('stops a huge mapping at the time budget', async () => {
    await assert.rejects(
      engine.compile('$sum([1..10000000].($ * 2))').evaluate({}, { budgetMs: 50 }),
      (err: unknown) => err instanceof ExpressionError && err.code === 'ERR_EXPRESSION_TIMEOUT',
    );
  });

  it('stops runaway non-tail recursion at the depth limit', async () => {
    await assert.rejects(
      engine.compile('($f := function($x){ 1 + $f($x) }; $f(1))').evaluate({}),
      (err: unknown) => err instanceof ExpressionError && err.code === 'ERR_EXPRESSION_EVALUATION' && /deeper than/.test(err.message),
    );
  });

  it('evaluates regex expressions in a worker', async () => {
    const expression = engine.compile('$replace(trigger.sku, /-+/, "_")');
    assert.equal(expression.isIsolated, true);
    assert.equal(await expression.evaluate({ trigger: { sku: 'AB--12-x' } }), 'AB_12_x');
    assert.equal(await engine.compile('$match("x", /y/)').evaluate({}), undefined);
    assert.equal(engine.compile('$eval("1 + 1")').isIsolated, true);
  });

  it('kills a catastrophic regex within the budget while the main thread keeps working', async () => {
    const regexEngine = createExpressionEngine({ budgetMs: 200 });
    try {
      await regexEngine.compile('$contains("warm", /w/)').evaluate({}, { budgetMs: 5000 });
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const plain = regexEngine.compile('a * 2');
      let mainThreadResults = 0;
      const started = performance.now();
      const runaway = regexEngine.compile(CATASTROPHIC).evaluate({});
      const settled = runaway.then(
        () => assert.fail('the catastrophic regex should not finish'),
        (err: unknown) => err,
      );
      while (performance.now() - started < 150) {
        assert.equal(await plain.evaluate({ a: 21 }), 42);
        mainThreadResults++;
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const err = await settled;
      const elapsedMs = performance.now() - started;
      clearInterval(ticker);
      assert.ok(err instanceof ExpressionError && err.code === 'ERR_EXPRESSION_TIMEOUT', String(err));
      assert.ok(elapsedMs < 2000, `rejected after ${elapsedMs} ms`);
      assert.ok(ticks >= 8, `the event loop ticked ${ticks} times`);
      assert.ok(mainThreadResults >= 5);
      // The killed worker is replaced: regex expressions keep working.
      assert.equal(await regexEngine.compile('$contains("abc", /b/)').evaluate({}, { budgetMs: 5000 }), true);
    } finally {
      await regexEngine.close();
    }
  });

  it('rejects input that cannot cross to the worker', async () => {
    await assert.rejects(
      engine.compile('$contains(x, /a/)').evaluate({ x: 'a', f: () => 1 }),
      (err: unknown) => err instanceof ExpressionError && err.code === 'ERR_EXPRESSION_EVALUATION',
    );
  });
});

describe('step references', () => {
  it('finds steps.<id> paths in source order, once each', () => {
    assert.deepEqual(
      referencedSteps('steps.fetch.id & $$.steps.order[0].total & steps.fetch.name & trigger.steps.x'),
      ['fetch', 'order'],
    );
  });

  it('gives the offset of each id', () => {
    assert.deepEqual(stepReferences('{"a": steps.fetch}'), [{ id: 'fetch', position: 12 }]);
  });

  it('looks inside functions, predicates and object constructors', () => {
    assert.deepEqual(
      referencedSteps('trigger.items[sku = $$.steps.lookup.sku].{"n": $count(steps.lines)}'),
      ['lookup', 'lines'],
    );
  });
});
