import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * What a pool hears from one of its worker threads. The thread posts 'ready' once its entry has
 * loaded, then one reply per job; a failure ends it.
 */
export interface TsxWorkerEvents<Reply> {
  ready(): void;
  reply(reply: Reply): void;
  /** The thread threw outside any job, or exited: why, in a few words. */
  failed(why: string): void;
}

/**
 * Starts a worker thread on a TypeScript entry. On Node 20 a worker's entry does not go through
 * the loader hooks the main thread registered (`--import tsx` in execArgv fails with "Unknown
 * file extension .ts"), so the thread registers tsx itself — its ESM loader, and with `commonJs`
 * its CommonJS one too, for user modules in a project without "type": "module" — before
 * importing the entry. Events of a thread its pool has already replaced (`isCurrent` false) are
 * dropped: a terminated thread still reports its exit. `workerData` reaches the entry as
 * `worker_threads.workerData`, before it loads.
 */
export function startTsxWorker<Reply>(
  entry: { url: string; commonJs?: boolean },
  resourceLimits: ResourceLimits,
  isCurrent: (worker: Worker) => boolean,
  events: TsxWorkerEvents<Reply>,
  workerData?: unknown,
): Worker {
  const loaders = [import.meta.resolve('tsx/esm/api'), ...(entry.commonJs ? [import.meta.resolve('tsx/cjs/api')] : [])];
  const bootstrap = `Promise.all(${JSON.stringify(loaders)}.map((api) => import(api)))
    .then((apis) => { for (const api of apis) api.register(); return import(${JSON.stringify(entry.url)}); });`;
  const worker = new Worker(bootstrap, { eval: true, execArgv: [], resourceLimits, workerData });
  worker.on('message', (message: 'ready' | Reply) => {
    if (!isCurrent(worker)) return;
    if (message === 'ready') events.ready();
    else events.reply(message);
  });
  worker.on('error', (error) => {
    if (isCurrent(worker)) events.failed(error.message);
  });
  worker.on('exit', (exitCode) => {
    if (isCurrent(worker)) events.failed(`it exited with code ${exitCode}`);
  });
  return worker;
}
