import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { LoadedFlow } from '../flows/load-flow.ts';
import type { Engine } from './engine.ts';

/**
 * Fires schedule triggers. Each tick is an event whose dedupe key is the scheduled minute,
 * so two workers firing the same tick commit it once.
 */
export function startSchedules(engine: Engine, flows: Iterable<LoadedFlow>, log: Logger): { stop(): void } {
  const jobs: Cron[] = [];
  for (const flow of flows) {
    const trigger = flow.flow.trigger;
    if (!('schedule' in trigger)) continue;
    const job = new Cron(trigger.schedule.cron, { timezone: trigger.schedule.timezone ?? 'UTC', protect: true }, async (self: Cron) => {
      const tick = (self.currentRun() ?? new Date()).toISOString();
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
