import jsonata from 'jsonata';
import { ExpressionError, toSyntaxError } from './expression-error.ts';

/**
 * JSONata evaluation with a per-call time and depth budget, shared by the main thread and the
 * expression worker. JSONata's own guardrails (the `timeout` and `stack` options) check the
 * clock and the depth before every AST node, so a loop or runaway recursion in JSONata itself
 * is stopped at the next node. Native work inside one node (a regex) is not; that is what the
 * worker is for. The guardrails replace `__evaluate_entry`/`__evaluate_exit` hooks, which cost
 * two frame-chain lookups and two awaits per node: a third of a mapping's evaluation time.
 */

/** JSONata's codes for the guardrails: stack too deep, and timeout. */
const DEPTH_EXCEEDED = 'D1011';
const TIME_EXCEEDED = 'D1012';

/** Stands in for RegExp on the main thread: a regex that slipped past the AST check fails instead of hanging. */
class ForbiddenRegex {
  constructor() {
    throw new Error('regular expressions are evaluated in the expression worker only');
  }
}

export interface EvaluationBudget {
  budgetMs: number;
  maxDepth: number;
  /** What `$now()` and `$millis()` read (transforms/flow-time.ts); the wall clock when undefined. */
  nowMs?: number;
}

/** `$now(picture, timezone)` is `$fromMillis` of the time: jsonata's own formatting, pictures and zones included. */
const fromMillis = jsonata('$fromMillis(ms, picture, timezone)');

function timeBindings(nowMs: number): Record<string, unknown> {
  return {
    millis: () => nowMs,
    now: (picture?: string, timezone?: string) => fromMillis.evaluate({ ms: nowMs, picture, timezone }),
  };
}

/**
 * A compiled expression. JSONata reads its guardrails from the options it was compiled with, so
 * each distinct budget gets its own compilation (there are few: the default and per-step ones);
 * each evaluation still keeps its own deadline.
 */
export interface BudgetedExpression {
  ast(): jsonata.ExprNode;
  evaluate(input: unknown, budget: EvaluationBudget): Promise<unknown>;
}

export function compileJsonata(source: string, options: { allowRegex: boolean }): BudgetedExpression {
  const compile = (guardrails: { timeout?: number; stack?: number }): jsonata.Expression => {
    try {
      // jsonata's typings omit the guardrail options it reads.
      const jsonataOptions = { ...guardrails, ...(options.allowRegex ? {} : { RegexEngine: ForbiddenRegex as unknown as RegExpConstructor }) };
      return jsonata(source, jsonataOptions as jsonata.JsonataOptions);
    } catch (err) {
      throw toSyntaxError(err, source);
    }
  };
  const parsed = compile({});
  const byBudget = new Map<string, jsonata.Expression>();
  return {
    ast: () => parsed.ast(),
    async evaluate(input, budget) {
      const key = `${budget.budgetMs}/${budget.maxDepth}`;
      let expression = byBudget.get(key);
      if (expression === undefined) {
        expression = compile({ timeout: budget.budgetMs, stack: budget.maxDepth });
        byBudget.set(key, expression);
      }
      try {
        return toPlainValue(await expression.evaluate(input, budget.nowMs === undefined ? undefined : timeBindings(budget.nowMs)));
      } catch (err) {
        throw toEvaluationError(err, budget);
      }
    },
  };
}

function findBudgetExceeded(err: unknown): 'time' | 'depth' | undefined {
  // `$eval` wraps the failure of the text it evaluates in `error`.
  for (let current = err, hops = 0; current && hops < 10; current = (current as { error?: unknown }).error, hops++) {
    const code = (current as { code?: unknown }).code;
    if (code === TIME_EXCEEDED) return 'time';
    if (code === DEPTH_EXCEEDED) return 'depth';
  }
  return undefined;
}

function toEvaluationError(err: unknown, { budgetMs, maxDepth }: EvaluationBudget): ExpressionError {
  if (err instanceof ExpressionError) return err;
  const exceeded = findBudgetExceeded(err);
  if (exceeded === 'time') {
    return new ExpressionError('ERR_EXPRESSION_TIMEOUT', `expression did not finish within its budget of ${budgetMs} ms`);
  }
  if (exceeded === 'depth') {
    return new ExpressionError(
      'ERR_EXPRESSION_EVALUATION',
      `expression nested deeper than ${maxDepth} levels; does a recursive function lack a base case?`,
    );
  }
  const message = typeof (err as { message?: unknown })?.message === 'string' ? (err as Error).message : String(err);
  return new ExpressionError('ERR_EXPRESSION_EVALUATION', message);
}

/**
 * jsonata marks the arrays it builds with extra properties (`sequence`, `keepSingleton`, …)
 * and builds some objects without a prototype. Normalise both so results compare, clone and
 * serialise as the plain JSON they are. Unchanged subtrees keep their identity: results may
 * share objects with the caller's input.
 */
export function toPlainValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    let isChanged = Object.keys(value).length !== value.length;
    const items = value.map((item) => {
      const plain = toPlainValue(item);
      if (plain !== item) isChanged = true;
      return plain;
    });
    return isChanged ? items : value;
  }
  if (typeof value === 'object' && value !== null) {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    let isChanged = prototype === null;
    const entries = Object.entries(value).map(([key, item]) => {
      const plain = toPlainValue(item);
      if (plain !== item) isChanged = true;
      return [key, plain] as const;
    });
    return isChanged ? Object.fromEntries(entries) : value;
  }
  return value;
}
