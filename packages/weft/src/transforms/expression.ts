import jsonata from 'jsonata';
import { compileJsonata } from './budgeted-jsonata.ts';
import { findStepReferences, needsIsolation, type StepReference } from './expression-ast.ts';
import { toSyntaxError } from './expression-error.ts';
import { createExpressionWorkerPool, type ExpressionWorkerPool } from './expression-pool.ts';
import { flowTimeOf, readsTime } from './flow-time.ts';
import { compilePropertyPath, NOT_PLAIN } from './property-path.ts';

export { ExpressionError } from './expression-error.ts';
export type { ExpressionErrorCode } from './expression-error.ts';
export type { StepReference } from './expression-ast.ts';

export interface CompiledExpression {
  readonly source: string;
  /** True when the expression can run a regex and is therefore evaluated in a worker thread. */
  readonly isIsolated: boolean;
  /**
   * Resolves to the result (`undefined` when JSONata yields nothing); rejects with an
   * ExpressionError: ERR_EXPRESSION_EVALUATION or ERR_EXPRESSION_TIMEOUT. Isolated expressions
   * take their input by structured clone, so it must be JSON-compatible.
   */
  evaluate(input: unknown, options?: { budgetMs?: number }): Promise<unknown>;
}

export interface ExpressionEngine {
  /** Throws ExpressionError ERR_EXPRESSION_SYNTAX. The same source yields the same object. */
  compile(source: string): CompiledExpression;
  close(): Promise<void>;
}

export interface ExpressionEngineOptions {
  /** Default time budget of one evaluation (default 1000 ms). */
  budgetMs?: number;
  /** Worker threads for regex-bearing expressions, started on first use (default 1). */
  workers?: number;
  /** Deepest nesting of JSONata evaluation before it is taken for runaway recursion (default 500). */
  maxDepth?: number;
}

export function createExpressionEngine(options: ExpressionEngineOptions = {}): ExpressionEngine {
  const defaultBudgetMs = options.budgetMs ?? 1000;
  const maxDepth = options.maxDepth ?? 500;
  const compiled = new Map<string, CompiledExpression>();
  let pool: ExpressionWorkerPool | undefined;
  let isClosed = false;

  function compileNew(source: string): CompiledExpression {
    const expression = compileJsonata(source, { allowRegex: false });
    // A flow's expressions read the run's recorded time as $now() (flow-time.ts); others, the clock.
    const nowOf = readsTime(source) ? (input: unknown) => flowTimeOf(input) : () => undefined;
    if (needsIsolation(expression.ast())) {
      return {
        source,
        isIsolated: true,
        evaluate(input, evaluateOptions) {
          if (isClosed) return Promise.reject(new Error('the expression engine is closed'));
          pool ??= createExpressionWorkerPool({ size: options.workers ?? 1 });
          const nowMs = nowOf(input);
          return pool.evaluate({ source, input, budgetMs: evaluateOptions?.budgetMs ?? defaultBudgetMs, maxDepth, ...(nowMs === undefined ? {} : { nowMs }) });
        },
      };
    }
    const propertyPath = compilePropertyPath(expression.ast());
    return {
      source,
      isIsolated: false,
      evaluate(input, evaluateOptions) {
        if (propertyPath !== undefined) {
          const value = propertyPath(input);
          if (value !== NOT_PLAIN) return Promise.resolve(value);
        }
        const nowMs = nowOf(input);
        return expression.evaluate(input, { budgetMs: evaluateOptions?.budgetMs ?? defaultBudgetMs, maxDepth, ...(nowMs === undefined ? {} : { nowMs }) });
      },
    };
  }

  return {
    compile(source) {
      let expression = compiled.get(source);
      if (expression === undefined) {
        expression = compileNew(source);
        compiled.set(source, expression);
      }
      return expression;
    },
    async close() {
      isClosed = true;
      await pool?.close();
    },
  };
}

function parse(source: string): unknown {
  try {
    return jsonata(source).ast();
  } catch (err) {
    throw toSyntaxError(err, source);
  }
}

/** Ids of the steps an expression reads through `steps.<id>`, in order of first use. Throws ExpressionError on bad syntax. */
export function referencedSteps(source: string): string[] {
  return [...new Set(findStepReferences(parse(source)).map((reference) => reference.id))];
}

/** Like referencedSteps, with the 0-based offset of each use, for diagnostics. */
export function stepReferences(source: string): StepReference[] {
  return findStepReferences(parse(source));
}
