import jsonata from 'jsonata';
import { ExpressionError, toSyntaxError } from './expression-error.ts';

/**
 * JSONata evaluation with a per-call time and depth budget, shared by the main thread and the
 * expression worker. JSONata calls the `__evaluate_entry`/`__evaluate_exit` hooks around every
 * AST node, so a loop or runaway recursion in JSONata itself is stopped at the next node.
 * Native work inside one node (a regex) is not; that is what the worker is for.
 */

const BUDGET_BINDING = '__weftBudget';
const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');
const EXIT_HOOK = Symbol.for('jsonata.__evaluate_exit');

interface Budget {
  deadline: number;
  maxDepth: number;
}

interface EvaluationFrame {
  base: { depth: number; lookup(name: string): unknown };
}

class BudgetExceeded extends Error {
  constructor(readonly reason: 'time' | 'depth') {
    super(`expression budget exceeded (${reason})`);
  }
}

// The budget travels as a binding of the evaluation's root frame (not via `assign` on the
// compiled expression), so concurrent evaluations of one expression keep separate deadlines.
function checkBudget(_node: unknown, _input: unknown, frame: EvaluationFrame): void {
  const budget = frame.base.lookup(BUDGET_BINDING) as Budget | undefined;
  if (budget === undefined) return;
  if (frame.base.depth > budget.maxDepth) throw new BudgetExceeded('depth');
  if (performance.now() > budget.deadline) throw new BudgetExceeded('time');
}

/** Stands in for RegExp on the main thread: a regex that slipped past the AST check fails instead of hanging. */
class ForbiddenRegex {
  constructor() {
    throw new Error('regular expressions are evaluated in the expression worker only');
  }
}

export function compileJsonata(source: string, options: { allowRegex: boolean }): jsonata.Expression {
  let expression: jsonata.Expression;
  try {
    expression = options.allowRegex
      ? jsonata(source)
      : jsonata(source, { RegexEngine: ForbiddenRegex as unknown as RegExpConstructor });
  } catch (err) {
    throw toSyntaxError(err, source);
  }
  // jsonata's typings only admit string names; its environment looks the hooks up by symbol.
  const assign = expression.assign as (name: string | symbol, value: unknown) => void;
  assign(ENTRY_HOOK, checkBudget);
  assign(EXIT_HOOK, checkBudget);
  return expression;
}

export interface EvaluationBudget {
  budgetMs: number;
  maxDepth: number;
}

export async function evaluateWithinBudget(
  expression: jsonata.Expression,
  input: unknown,
  { budgetMs, maxDepth }: EvaluationBudget,
): Promise<unknown> {
  const budget: Budget = { deadline: performance.now() + budgetMs, maxDepth };
  try {
    return toPlainValue(await expression.evaluate(input, { [BUDGET_BINDING]: budget }));
  } catch (err) {
    throw toEvaluationError(err, { budgetMs, maxDepth });
  }
}

function findBudgetExceeded(err: unknown): BudgetExceeded | undefined {
  // `$eval` wraps the failure of the text it evaluates in `error`.
  for (let current = err, hops = 0; current && hops < 10; current = (current as { error?: unknown }).error, hops++) {
    if (current instanceof BudgetExceeded) return current;
  }
  return undefined;
}

function toEvaluationError(err: unknown, { budgetMs, maxDepth }: EvaluationBudget): ExpressionError {
  if (err instanceof ExpressionError) return err;
  const exceeded = findBudgetExceeded(err);
  if (exceeded?.reason === 'time') {
    return new ExpressionError('ERR_EXPRESSION_TIMEOUT', `expression did not finish within its budget of ${budgetMs} ms`);
  }
  if (exceeded?.reason === 'depth') {
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
