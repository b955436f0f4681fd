import { parentPort, type MessagePort } from 'node:worker_threads';
import type { ImportJob, ImportReply } from './module-import.ts';

/** Imports modules for the module importer, one job at a time; the main thread terminates it when one overruns. */

if (parentPort === null) throw new Error('module-import-worker.ts runs as a worker thread only');
const port: MessagePort = parentPort;

port.on('message', (job: ImportJob) => void answer(job));

async function answer(job: ImportJob): Promise<void> {
  let reply: ImportReply;
  try {
    const exports = (await import(job.url)) as Record<string, unknown>;
    reply =
      job.want === 'default'
        ? { id: job.id, outcome: 'default', value: exports.default }
        : { id: job.id, outcome: 'functions', names: Object.keys(exports).filter((name) => typeof exports[name] === 'function') };
  } catch (error) {
    reply = { id: job.id, outcome: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  try {
    port.postMessage(reply);
  } catch (error) {
    // A default export holding a function or a class instance cannot be copied out of the thread.
    const why = error instanceof Error ? error.message : String(error);
    port.postMessage({ id: job.id, outcome: 'failed', message: `its default export is not plain data (${why})` } satisfies ImportReply);
  }
}

port.postMessage('ready');
