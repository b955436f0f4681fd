import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { LoadedFlow } from '../flows/load-flow.ts';
import { StoreUnavailableError } from '../store/store.ts';
import type { Engine } from './engine.ts';

/**
 * Waits before accepting a tick again while the store cannot commit (locked, full), doubling:
 * an outage of a few seconds loses no tick. A retry that would fall at or after the next tick is
 * not made — the job skips ticks while one is still being accepted.
 */
const TICK_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];

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
      const accept = () => engine.accept(flow, { source: 'schedule', headers: {}, query: {}, body: { scheduledAt: tick }, dedupeKey: `tick:${tick}` });
      for (let attempt = 0; ; attempt++) {
        try {
          await accept();
          return;
        } catch (error) {
          const delay = TICK_RETRY_DELAYS_MS[attempt];
          const nextTick = self.nextRun()?.getTime() ?? Infinity;
          if (!(error instanceof StoreUnavailableError) || delay === undefined || Date.now() + delay >= nextTick) {
            log.error({ err: error, flowId: flow.flow.id, tick, attempts: attempt + 1 }, 'schedule.tick_failed');
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
          if (self.isStopped()) return;
        }
      }
    });
    jobs.push(job);
  }
  return { stop: () => jobs.forEach((job) => job.stop()) };
}

/**
 * The instant the tick that fires now was scheduled for. The timer fires late when the event
 * loop is busy, and croner's `currentRun()` is the moment it fired: keyed by that, a late process
 * would commit a second run for a tick another process already committed. Croner fires as soon
 * as the clock reaches the tick, often within its very millisecond, and `previousRuns` counts
 * only runs before the reference: one millisecond on, the tick itself is included, else a tick
 * fired on time would be keyed as the one before it and dropped as its repeat.
 */
export function scheduledTickOf(job: Cron, firedAt: Date): Date {
  return job.previousRuns(1, new Date(firedAt.getTime() + 1))[0] ?? firedAt;
}
