import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { LoadedFlow } from '../flows/load-flow.ts';
import type { Engine } from './engine.ts';

/**
 * Fires schedule triggers. Each tick is an event whose dedupe key is its scheduled instant,
 * so two workers firing the same tick commit it once.
 */
export function startSchedules(engine: Engine, flows: Iterable<LoadedFlow>, log: Logger): { stop(): void } {
  const jobs: Cron[] = [];
  for (const flow of flows) {
    const trigger = flow.flow.trigger;
    if (!('schedule' in trigger)) continue;
    const job = new Cron(trigger.schedule.cron, { timezone: trigger.schedule.timezone ?? 'UTC', protect: true }, async (self: Cron) => {
      const tick = scheduledTickOf(self, new Date()).toISOString();
      try {
        await engine.accept(flow, { source: 'schedule', headers: {}, query: {}, body: { scheduledAt: tick }, dedupeKey: `tick:${tick}` });
      } catch (error) {
        log.error({ err: error, flowId: flow.flow.id, tick }, 'schedule.tick_failed');
      }
    });
    jobs.push(job);
  }
  return { stop: () => jobs.forEach((job) => job.stop()) };
}

/**
 * The instant the tick that fires now was scheduled for. The timer fires late when the event
 * loop is busy, and croner's `currentRun()` is the moment it fired: keyed by that, a late process
 * would commit a second run for a tick another process already committed.
 */
export function scheduledTickOf(job: Cron, firedAt: Date): Date {
  return job.previousRuns(1, firedAt)[0] ?? firedAt;
}
