import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';

export interface JobProgress {
  id: string;
  action: string;
  total: number;
  /** Items processed, failed ones included: progress is done / total. */
  done: number;
  /** Of those, the ones that could not be processed (no longer open, say). */
  failed: number;
  finishedAt: number | null;
}

export interface JobRunner {
  /** Starts working through `items` one at a time in the background; returns at once. */
  start<T>(action: string, items: T[], work: (item: T) => Promise<void>): JobProgress;
  get(id: string): JobProgress | undefined;
  /** Resolves when every job has finished (shutdown, tests). */
  idle(): Promise<void>;
}

/**
 * Bulk actions as in-process jobs: progress lives in memory and is lost on restart, which is
 * safe because each item is itself one idempotent store transaction (a replayed or discarded
 * exception is no longer open, so running the bulk again skips it).
 */
export function createJobRunner(clock: Clock, options: { keep?: number } = {}): JobRunner {
  const keep = options.keep ?? 100;
  const jobs = new Map<string, JobProgress>();
  const running = new Set<Promise<void>>();
  return {
    start(action, items, work) {
      const job: JobProgress = { id: `job_${randomUUID()}`, action, total: items.length, done: 0, failed: 0, finishedAt: null };
      jobs.set(job.id, job);
      // The oldest finished jobs make room: the map must not grow without bound.
      for (const [id, old] of jobs) {
        if (jobs.size <= keep) break;
        if (old.finishedAt !== null) jobs.delete(id);
      }
      const run = (async () => {
        for (const item of items) {
          try {
            await work(item);
          } catch {
            job.failed += 1;
          }
          job.done += 1;
        }
        job.finishedAt = clock.now();
      })();
      running.add(run);
      void run.finally(() => running.delete(run));
      return job;
    },
    get: (id) => jobs.get(id),
    async idle() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
