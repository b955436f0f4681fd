import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { CodeFunction, CodeJob, CodeReply, CodeWorkerData } from './code-runner.ts';
import { egressRefusalIn, guardCodeStepEgress } from './code-step-egress.ts';

/**
 * Runs code steps' functions for the code runner, many calls side by side; the main thread
 * terminates it when a call overruns its budget. Modules are imported on first use and stay imported.
 */

if (parentPort === null) throw new Error('code-runner-worker.ts runs as a worker thread only');
const port: MessagePort = parentPort;

// Before any module of a code step is imported: its top level may already make requests.
guardCodeStepEgress((workerData as CodeWorkerData).egressAllow);

/** The calls in progress, to abort when their runs stop. */
const running = new Map<number, AbortController>();

port.on('message', (job: CodeJob) => {
  if (job.type === 'exit') process.exit(0);
  else if (job.type === 'abort') running.get(job.id)?.abort(new Error(job.reason));
  else void call(job);
});

async function call(job: Extract<CodeJob, { type: 'call' }>): Promise<void> {
  const controller = new AbortController();
  running.set(job.id, controller);
  let reply: CodeReply;
  try {
    const codeFunction = await exportedFunction(job.url, job.exportName);
    reply = asJsonReply(job.id, await codeFunction(job.input as Parameters<CodeFunction>[0], { signal: controller.signal }));
  } catch (error) {
    reply = readableFailureReply(job.id, error);
  } finally {
    running.delete(job.id);
  }
  port.postMessage(reply);
}

/**
 * What was thrown is the function's: a getter or a `toString` of it may throw in turn, which
 * here would end the thread and with it every call beside this one.
 */
function readableFailureReply(id: number, error: unknown): CodeReply {
  try {
    return failureReply(id, error);
  } catch {
    return { id, outcome: 'threw', message: 'the function threw a value that cannot be read (its message or toString threw)', retryable: false };
  }
}

function failureReply(id: number, error: unknown): CodeReply {
  const refusal = egressRefusalIn(error);
  // Whatever the function's own retryable flag says: only a change of configuration helps a refusal.
  if (refusal !== undefined) return { id, outcome: 'egress-denied', message: refusal.message };
  return {
    id,
    outcome: 'threw',
    message: error instanceof Error ? error.message : String(error),
    retryable: (error as { retryable?: unknown } | null | undefined)?.retryable === true,
  };
}

async function exportedFunction(url: string, exportName: string): Promise<CodeFunction> {
  const exports = (await import(url)) as Record<string, unknown>;
  const candidate = exports[exportName];
  // The flow checked this at load; the file may have changed since (a `weft dev` reload in between).
  if (typeof candidate !== 'function') throw new Error(`the code module ${url} has no exported function '${exportName}'`);
  return candidate as CodeFunction;
}

/**
 * The output crosses back as JSON text: what the store would refuse (a BigInt, a cycle) fails
 * here, and a Date arrives as its ISO text, as a run resumed from the store would see it.
 */
function asJsonReply(id: number, output: unknown): CodeReply {
  try {
    return { id, outcome: 'returned', outputJson: JSON.stringify(output ?? null) };
  } catch (error) {
    return { id, outcome: 'not-json', message: error instanceof Error ? error.message : String(error) };
  }
}

port.postMessage('ready');
