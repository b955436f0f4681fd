import type { Worker } from 'node:worker_threads';
import { startTsxWorker } from '../threads/tsx-worker.ts';
import { ExpressionError, type ExpressionErrorCode } from './expression-error.ts';

export interface WorkerJob {
  id: number;
  source: string;
  input: unknown;
  budgetMs: number;
  maxDepth: number;
  nowMs?: number;
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; code: ExpressionErrorCode; message: string };

export interface ExpressionWorkerPool {
  evaluate(request: Omit<WorkerJob, 'id'>): Promise<unknown>;
  close(): Promise<void>;
}

interface PendingJob {
  job: WorkerJob;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker | undefined;
  isReady: boolean;
  running: { pending: PendingJob; timer: NodeJS.Timeout } | undefined;
}

const WORKER_ENTRY = { url: new URL('./expression-worker.ts', import.meta.url).href };

/** A runaway mapping should not take the engine's memory with it. */
const WORKER_HEAP_MB = 256;

/**
 * Worker threads for expressions that may run a regex. Each worker runs one job at a time, so
 * terminating it on timeout (the only way to stop a regex that backtracks catastrophically)
 * fails that job alone. Workers start on first use and are unref'd while idle, so an engine
 * nobody closed does not keep the process alive.
 */
export function createExpressionWorkerPool(options: { size: number }): ExpressionWorkerPool {
  const slots: Slot[] = Array.from({ length: Math.max(1, options.size) }, () => ({
    worker: undefined,
    isReady: false,
    running: undefined,
  }));
  const queue: PendingJob[] = [];
  let nextJobId = 1;
  let isClosed = false;

  function start(slot: Slot): void {
    slot.worker = startTsxWorker<WorkerReply>(WORKER_ENTRY, { maxOldGenerationSizeMb: WORKER_HEAP_MB }, (worker) => slot.worker === worker, {
      ready: () => {
        slot.isReady = true;
        pump();
      },
      reply: (reply) => settle(slot, reply),
      failed: (why) => fail(slot, why),
    });
    slot.isReady = false;
  }

  function retire(slot: Slot): void {
    const worker = slot.worker;
    slot.worker = undefined;
    slot.isReady = false;
    if (slot.running) clearTimeout(slot.running.timer);
    slot.running = undefined;
    void worker?.terminate();
  }

  function fail(slot: Slot, reason: string): void {
    const running = slot.running;
    const wasReady = slot.isReady;
    retire(slot);
    if (running) {
      running.pending.reject(new ExpressionError('ERR_EXPRESSION_EVALUATION', `expression worker failed: ${reason}`));
    } else if (!wasReady) {
      // A worker that cannot start would fail again on every restart: fail the waiting jobs instead.
      for (const pending of queue.splice(0)) {
        pending.reject(new ExpressionError('ERR_EXPRESSION_EVALUATION', `expression worker could not start: ${reason}`));
      }
    }
    pump();
  }

  function settle(slot: Slot, reply: WorkerReply): void {
    const running = slot.running;
    if (running === undefined || running.pending.job.id !== reply.id) return;
    clearTimeout(running.timer);
    slot.running = undefined;
    if (reply.ok) running.pending.resolve(reply.value);
    else running.pending.reject(new ExpressionError(reply.code, reply.message));
    pump();
  }

  function dispatch(slot: Slot, worker: Worker, pending: PendingJob): void {
    try {
      worker.postMessage(pending.job);
    } catch (err) {
      pending.reject(
        new ExpressionError('ERR_EXPRESSION_EVALUATION', `the expression input is not JSON-compatible: ${(err as Error).message}`),
      );
      return;
    }
    const timer = setTimeout(() => {
      retire(slot);
      pending.reject(
        new ExpressionError('ERR_EXPRESSION_TIMEOUT', `expression did not finish within its budget of ${pending.job.budgetMs} ms`),
      );
      pump();
    }, pending.job.budgetMs);
    slot.running = { pending, timer };
  }

  function pump(): void {
    if (isClosed) return;
    for (const slot of slots) {
      while (queue.length > 0 && slot.worker !== undefined && slot.isReady && slot.running === undefined) {
        dispatch(slot, slot.worker, queue.shift() as PendingJob);
      }
    }
    let startingCount = slots.filter((slot) => slot.worker !== undefined && !slot.isReady).length;
    for (const slot of slots) {
      if (queue.length <= startingCount) break;
      if (slot.worker === undefined) {
        start(slot);
        startingCount++;
      }
    }
    // Only a worker someone is waiting for may keep the process alive.
    for (const slot of slots) {
      if (slot.running !== undefined || (slot.worker !== undefined && !slot.isReady)) slot.worker?.ref();
      else slot.worker?.unref();
    }
  }

  return {
    evaluate(request) {
      if (isClosed) return Promise.reject(new Error('the expression engine is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ job: { ...request, id: nextJobId++ }, resolve, reject });
        pump();
      });
    },
    async close() {
      isClosed = true;
      for (const pending of queue.splice(0)) pending.reject(new Error('the expression engine is closed'));
      const workers = slots.map((slot) => slot.worker);
      for (const slot of slots) {
        slot.running?.pending.reject(new Error('the expression engine is closed'));
        retire(slot);
      }
      await Promise.all(workers.map((worker) => worker?.terminate()));
    },
  };
}
