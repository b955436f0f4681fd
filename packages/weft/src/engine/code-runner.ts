import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { createEgressGuard } from '../connectors/egress-guard.ts';
import { startTsxWorker } from '../threads/tsx-worker.ts';
import type { CodeModule } from '../flows/load-flow.ts';

/** A code step's exported function: called with the step's scope, its result (or its promise's) is the output. */
export type CodeFunction = (
  input: { trigger: unknown; steps: Record<string, unknown>; item?: unknown; index?: number },
  /** `signal` aborts when the run stops (a shutdown past its grace, a lost lease): work can stop with it. */
  context: { signal: AbortSignal },
) => unknown | Promise<unknown>;

export interface CodeCall {
  module: CodeModule;
  /** The step's scope; the worker gets a copy. */
  input: unknown;
  /** Counted from when a worker takes the call (the module's first import included), not while it waits for one. */
  timeoutMs: number;
  /** The run's: when it aborts, the function's own signal aborts and the caller stops waiting. */
  signal: AbortSignal;
}

export interface CodeRunner {
  /**
   * The function's output as JSON reads it back, which is how a resumed run sees it in the store
   * (a Date as its ISO text). Rejects with CodeFailedError, CodeOutputError, CodeTimeoutError or
   * CodeEgressDeniedError, or with the signal's reason once it aborts.
   */
  run(call: CodeCall): Promise<unknown>;
  /** Stops the workers; a call still running (one its run abandoned) is cut off. */
  close(): Promise<void>;
}

/** The function threw, or its worker thread died under it. The message is the thrown error's. */
export class CodeFailedError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The function returned something JSON cannot hold (a BigInt, a cycle); the message is JSON.stringify's. */
export class CodeOutputError extends Error {}

/** The function did not finish within its budget; the worker running it was terminated. */
export class CodeTimeoutError extends Error {}

/**
 * The egress guard refused a connection the function tried to open, and the function failed with
 * that refusal somewhere in its error's causes. The message is the guard's: host, address and the
 * setting that allows it, never the URL.
 */
export class CodeEgressDeniedError extends Error {}

/** What each worker thread starts with. */
export interface CodeWorkerData {
  /** The engine's `egressAllow`: internal destinations the functions' requests may reach. */
  egressAllow: readonly string[];
}

/** Main thread → worker. */
export type CodeJob =
  | { type: 'call'; id: number; url: string; exportName: string; input: unknown }
  | { type: 'abort'; id: number; reason: string }
  | { type: 'exit' };

/** Worker → main thread. `outputJson` is undefined where JSON has no text for the output (undefined, a function). */
export type CodeReply =
  | { id: number; outcome: 'returned'; outputJson: string | undefined }
  | { id: number; outcome: 'threw'; message: string; retryable: boolean }
  | { id: number; outcome: 'egress-denied'; message: string }
  | { id: number; outcome: 'not-json'; message: string };

interface PendingCall {
  id: number;
  call: CodeCall;
  resolve(output: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker | undefined;
  /** The newest load of the flows when the worker started; a worker of an older load takes no new call and is replaced once free. */
  load: number;
  isReady: boolean;
  running: Map<number, { pending: PendingCall; timer: NodeJS.Timeout }>;
}

/**
 * Two workers: while one is stuck in a loop until its budget passes, the other keeps taking
 * calls; each worker is a V8 isolate with tsx loaded, tens of MB. Never more than the cores: a
 * CPU-bound step gains nothing from threads beyond them.
 */
const WORKER_COUNT = Math.min(2, availableParallelism());
/**
 * Calls one worker runs at once. Most code steps await something (a fetch, a lookup), and one
 * call at a time per worker would cap a flow at two such steps in flight. The price: terminating
 * a worker for an overrun also stops the calls beside it, which fail as retryable.
 */
const CALLS_PER_WORKER = 64;

/**
 * A code step that allocates without end stops its own worker ("reached memory limit"), failing
 * the calls in it, instead of growing the engine's process until the system kills it. Generous:
 * code steps may hold whole payloads and what they fetch.
 */
const WORKER_HEAP_MB = 512;

/** How long a worker asked to exit at close may take (its abort listeners run) before it is terminated. */
const CLOSE_GRACE_MS = 500;

/** The thread's side; with tsx's CommonJS loader too, for `.ts` modules of projects without "type": "module". */
const WORKER_ENTRY = { url: new URL('./code-runner-worker.ts', import.meta.url).href, commonJs: true };

/**
 * Runs code steps in worker threads, off the engine's event loop: a function that loops forever
 * or computes for minutes blocks neither webhooks nor other runs, and is terminated when its
 * budget passes. Workers start on first use and are unref'd while idle, so a runner nobody
 * closed does not keep the process alive.
 */
export function createCodeRunner(options: { heapMb?: number; egressAllow?: readonly string[] } = {}): CodeRunner {
  const resourceLimits = { maxOldGenerationSizeMb: options.heapMb ?? WORKER_HEAP_MB };
  // Nothing internal unless listed, as for call steps.
  const workerData: CodeWorkerData = { egressAllow: options.egressAllow ?? [] };
  // A malformed entry fails here, once, rather than in every worker thread that starts.
  createEgressGuard({ allow: workerData.egressAllow });
  const slots: Slot[] = Array.from({ length: WORKER_COUNT }, () => ({ worker: undefined, load: 0, isReady: false, running: new Map() }));
  const queue: PendingCall[] = [];
  let nextCallId = 1;
  let newestLoad = 0;
  let isClosed = false;

  function start(slot: Slot): void {
    slot.worker = startTsxWorker<CodeReply>(WORKER_ENTRY, resourceLimits, (worker) => slot.worker === worker, {
      ready: () => {
        slot.isReady = true;
        pump();
      },
      reply: (reply) => settle(slot, reply),
      failed: (why) => fail(slot, why),
    }, workerData);
    slot.load = newestLoad;
    slot.isReady = false;
  }

  /** Terminates the worker; answers the calls it was running, which the caller must settle. */
  function retire(slot: Slot): PendingCall[] {
    const worker = slot.worker;
    const cutOff = [...slot.running.values()].map(({ pending, timer }) => {
      clearTimeout(timer);
      return pending;
    });
    slot.worker = undefined;
    slot.isReady = false;
    slot.running = new Map();
    void worker?.terminate();
    return cutOff;
  }

  function fail(slot: Slot, why: string): void {
    const wasReady = slot.isReady;
    const cutOff = retire(slot);
    // A lone call ended its thread itself (an error thrown in a timer, memory run out). Of
    // several, any one may have, and the others only shared the thread: each is retried, and the
    // one that ends its thread every time runs out of its attempts.
    const isAlone = cutOff.length === 1;
    for (const pending of cutOff) {
      const sharing = isAlone ? '' : `, which was running ${cutOff.length} calls`;
      pending.reject(new CodeFailedError(`its worker thread stopped before the function returned${sharing} (${why})`, !isAlone));
    }
    if (cutOff.length === 0 && !wasReady) {
      // A worker that cannot start would fail again on every restart: fail the waiting calls instead.
      for (const pending of queue.splice(0)) pending.reject(new CodeFailedError(`no worker thread could start to run it (${why})`, false));
    }
    pump();
  }

  function settle(slot: Slot, reply: CodeReply): void {
    const running = slot.running.get(reply.id);
    if (running === undefined) return;
    clearTimeout(running.timer);
    slot.running.delete(reply.id);
    const { pending } = running;
    if (reply.outcome === 'returned') pending.resolve(reply.outputJson === undefined ? null : JSON.parse(reply.outputJson));
    else if (reply.outcome === 'threw') pending.reject(new CodeFailedError(reply.message, reply.retryable));
    else if (reply.outcome === 'egress-denied') pending.reject(new CodeEgressDeniedError(reply.message));
    else pending.reject(new CodeOutputError(reply.message));
    pump();
  }

  function dispatch(slot: Slot, worker: Worker, pending: PendingCall): void {
    const { module, input, timeoutMs } = pending.call;
    try {
      worker.postMessage({ type: 'call', id: pending.id, url: module.url, exportName: module.exportName, input } satisfies CodeJob);
    } catch (error) {
      // An `each` over what JSONata made can hand an item that is not data (a function).
      pending.reject(new CodeFailedError(`its input cannot be handed to a worker thread: ${(error as Error).message}`, false));
      return;
    }
    const timer = setTimeout(() => {
      // Terminating is the one way to stop a loop that never yields; it stops the worker's other calls too.
      const neighbours = retire(slot).filter((other) => other !== pending);
      pending.reject(new CodeTimeoutError(`the function did not finish within ${timeoutMs} ms`));
      for (const other of neighbours) {
        other.reject(new CodeFailedError('its worker thread was stopped because another code step running in it passed its time budget', true));
      }
      pump();
    }, timeoutMs);
    slot.running.set(pending.id, { pending, timer });
  }

  /**
   * The run stopped (a shutdown past its grace, a lost lease): its caller stops waiting at once and
   * the function's signal aborts. A function that heeds it frees its worker; one that does not
   * keeps it until its budget passes.
   */
  function abandon(pending: PendingCall): void {
    const reason: unknown = pending.call.signal.reason;
    const queued = queue.indexOf(pending);
    if (queued >= 0) queue.splice(queued, 1);
    const slot = slots.find((candidate) => candidate.running.get(pending.id)?.pending === pending);
    slot?.worker?.postMessage({ type: 'abort', id: pending.id, reason: reason instanceof Error ? reason.message : String(reason) } satisfies CodeJob);
    pending.reject(reason);
  }

  /** A ready worker of the newest load with room, the least busy first: calls spread over the workers. */
  function takerFor(): { slot: Slot; worker: Worker } | undefined {
    let best: Slot | undefined;
    for (const slot of slots) {
      if (slot.worker === undefined || !slot.isReady || slot.load < newestLoad || slot.running.size >= CALLS_PER_WORKER) continue;
      if (best === undefined || slot.running.size < best.running.size) best = slot;
    }
    return best && { slot: best, worker: best.worker! };
  }

  function pump(): void {
    if (isClosed) return;
    // A worker that imported an older load's modules would run them as they were before a reload.
    for (const slot of slots) if (slot.worker !== undefined && slot.running.size === 0 && slot.load < newestLoad) retire(slot);
    for (let taker = takerFor(); queue.length > 0 && taker !== undefined; taker = takerFor()) {
      dispatch(taker.slot, taker.worker, queue.shift() as PendingCall);
    }
    // Calls wait: every worker starts, so calls spread over them and one stuck worker leaves the
    // other free (a worker is not known to be stuck until its call's budget passes).
    if (queue.length > 0) for (const slot of slots) if (slot.worker === undefined) start(slot);
    // Only a worker someone is waiting for may keep the process alive.
    for (const slot of slots) {
      if (slot.running.size > 0 || (slot.worker !== undefined && !slot.isReady)) slot.worker?.ref();
      else slot.worker?.unref();
    }
  }

  return {
    run(call) {
      if (isClosed) return Promise.reject(new Error('the code runner is closed'));
      if (call.signal.aborted) return Promise.reject(call.signal.reason);
      newestLoad = Math.max(newestLoad, call.module.load);
      return new Promise((resolve, reject) => {
        const onAbort = () => abandon(pending);
        const stopListening = () => call.signal.removeEventListener('abort', onAbort);
        const pending: PendingCall = {
          id: nextCallId++,
          call,
          resolve: (output) => {
            stopListening();
            resolve(output);
          },
          reject: (error) => {
            stopListening();
            reject(error);
          },
        };
        call.signal.addEventListener('abort', onAbort, { once: true });
        queue.push(pending);
        pump();
      });
    },
    async close() {
      isClosed = true;
      for (const pending of queue.splice(0)) pending.reject(new Error('the code runner is closed'));
      const stopping: Promise<void>[] = [];
      for (const slot of slots) {
        const { worker, running } = slot;
        for (const { pending, timer } of running.values()) {
          clearTimeout(timer);
          pending.reject(new Error('the code runner is closed'));
        }
        slot.worker = undefined;
        slot.isReady = false;
        slot.running = new Map();
        // A busy worker may be running functions whose runs were abandoned: their abort listeners run before it goes.
        if (worker !== undefined) stopping.push(running.size === 0 ? worker.terminate().then(() => undefined) : stopWorker(worker));
      }
      await Promise.all(stopping);
    },
  };
}

/**
 * Asks a busy worker to exit once it has handled what it was sent before (an abort: the
 * function's signal listeners run), and terminates it if it does not within CLOSE_GRACE_MS
 * (a loop that never yields).
 */
async function stopWorker(worker: Worker): Promise<void> {
  const exited = new Promise<boolean>((resolve) => worker.once('exit', () => resolve(true)));
  worker.postMessage({ type: 'exit' } satisfies CodeJob);
  let timer: NodeJS.Timeout | undefined;
  const hasExited = await Promise.race([exited, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)))]);
  clearTimeout(timer);
  if (!hasExited) await worker.terminate();
}
