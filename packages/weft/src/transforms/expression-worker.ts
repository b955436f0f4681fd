import { parentPort } from 'node:worker_threads';
import { compileJsonata, type BudgetedExpression } from './budgeted-jsonata.ts';
import { ExpressionError } from './expression-error.ts';
import type { WorkerJob, WorkerReply } from './expression-pool.ts';

/** Evaluates the expressions that contain a regex; the main thread terminates it when one runs away. */

const CACHE_LIMIT = 1000;
const compiled = new Map<string, BudgetedExpression>();

function compileCached(source: string): BudgetedExpression {
  let expression = compiled.get(source);
  if (expression === undefined) {
    expression = compileJsonata(source, { allowRegex: true });
    if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
    compiled.set(source, expression);
  }
  return expression;
}

const port = parentPort;
if (port === null) throw new Error('expression-worker.ts runs as a worker thread only');

port.on('message', async (job: WorkerJob) => {
  let reply: WorkerReply;
  try {
    const value = await compileCached(job.source).evaluate(job.input, job);
    reply = { id: job.id, ok: true, value };
  } catch (err) {
    reply =
      err instanceof ExpressionError
        ? { id: job.id, ok: false, code: err.code, message: err.message }
        : { id: job.id, ok: false, code: 'ERR_EXPRESSION_EVALUATION', message: String(err) };
  }
  try {
    port.postMessage(reply);
  } catch {
    port.postMessage({
      id: job.id,
      ok: false,
      code: 'ERR_EXPRESSION_EVALUATION',
      message: 'the expression result is not JSON-compatible (it holds a function?)',
    } satisfies WorkerReply);
  }
});

port.postMessage('ready');
