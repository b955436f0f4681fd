import type { Worker } from 'node:worker_threads';
import { startTsxWorker } from '../threads/tsx-worker.ts';

/** Main thread → worker: import `url` and answer with its default export or its functions' names. */
export interface ImportJob {
  id: number;
  url: string;
  want: 'default' | 'functions';
}

/** Worker → main thread. */
export type ImportReply =
  | { id: number; outcome: 'default'; value: unknown }
  | { id: number; outcome: 'functions'; names: string[] }
  | { id: number; outcome: 'failed'; message: string };

/**
 * Imports flow modules and code modules for `loadFlows` in a worker thread of its own, never on
 * the caller's thread:
 * - a module that loops, waits or calls `process.exit()` at top level fails its own import
 *   within a budget instead of hanging or ending the engine;
 * - each importer's thread starts with an empty module cache, so a `weft dev` reload sees the
 *   edited module (and what it imports) rather than the copy the process imported first.
 */
export interface ModuleImporter {
  /** The module's default export, copied out of the thread (so it must be plain data); undefined when it has none. */
  defaultExport(url: string): Promise<unknown>;
  /** The names of the module's exports that are functions. */
  exportedFunctions(url: string): Promise<string[]>;
  /** Ends the thread, if one was started. */
  close(): Promise<void>;
}

/** The import threw, overran its budget, or ended its thread. The message says which. */
export class ModuleImportError extends Error {
  override readonly name = 'ModuleImportError';
}

/**
 * Generous: a module's first import compiles it and what it imports with tsx, which takes a
 * second or two for a large tree on a slow machine. A module that needs longer is doing work at
 * top level that belongs in its function.
 */
const IMPORT_BUDGET_MS = 10_000;

/** As a code runner's worker: a module that allocates without end stops this thread, not the process. */
const WORKER_HEAP_MB = 512;

const WORKER_ENTRY = { url: new URL('./module-import-worker.ts', import.meta.url).href, commonJs: true };

interface Pending {
  id: number;
  resolve(reply: ImportReply): void;
  reject(error: ModuleImportError): void;
}

/** The thread starts on the first import, so loading YAML flows without code steps starts none. */
export function createModuleImporter(options: { budgetMs?: number } = {}): ModuleImporter {
  const budgetMs = options.budgetMs ?? IMPORT_BUDGET_MS;
  let worker: Worker | undefined;
  let pending: Pending | undefined;
  let nextId = 1;
  /** One import at a time: a budget then times one module's import, not a queue's. */
  let previous: Promise<unknown> = Promise.resolve();

  function startWorker(): Worker {
    const started = startTsxWorker<ImportReply>(WORKER_ENTRY, { maxOldGenerationSizeMb: WORKER_HEAP_MB }, (candidate) => candidate === worker, {
      // Jobs are posted at once: a worker queues messages that arrive before its entry listens.
      ready: () => {},
      reply: (reply) => {
        if (pending?.id === reply.id) pending.resolve(reply);
      },
      failed: (why) => {
        worker = undefined;
        pending?.reject(new ModuleImportError(`its import ended the thread importing it: ${why}`));
      },
    });
    // The budget's timer keeps the process alive while an import runs; an idle thread must not.
    started.unref();
    return started;
  }

  function importOnce(url: string, want: ImportJob['want']): Promise<ImportReply> {
    const id = nextId++;
    worker ??= startWorker();
    const thread = worker;
    return new Promise<ImportReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The thread may be stuck in the module for good: only terminating it frees it.
        worker = undefined;
        void thread.terminate();
        reject(new ModuleImportError(`it did not finish loading within ${budgetMs / 1000} s (does it loop or wait at top level?)`));
      }, budgetMs);
      const settle = () => {
        clearTimeout(timer);
        pending = undefined;
      };
      pending = {
        id,
        resolve: (reply) => (settle(), resolve(reply)),
        reject: (error) => (settle(), reject(error)),
      };
      thread.postMessage({ id, url, want } satisfies ImportJob);
    });
  }

  async function ask(url: string, want: ImportJob['want']): Promise<ImportReply> {
    const reply = previous.then(
      () => importOnce(url, want),
      () => importOnce(url, want),
    );
    previous = reply;
    const answer = await reply;
    if (answer.outcome === 'failed') throw new ModuleImportError(answer.message);
    return answer;
  }

  return {
    async defaultExport(url) {
      const reply = await ask(url, 'default');
      return reply.outcome === 'default' ? reply.value : undefined;
    },
    async exportedFunctions(url) {
      const reply = await ask(url, 'functions');
      return reply.outcome === 'functions' ? reply.names : [];
    },
    async close() {
      const thread = worker;
      worker = undefined;
      await thread?.terminate();
    },
  };
}
