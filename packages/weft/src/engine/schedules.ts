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
 *
 * `stop` ends the schedules, but a tick already due is still accepted: its timer fires some
 * milliseconds late (more on a busy event loop), and a flow's schedule is stopped and started
 * again when it is switched or its definition reloaded, so a tick falling due just before that
 * restart would otherwise be lost, the new job starting after it. A tick due before the job started is
 * not its own (the flow was disabled, or not loaded, then).
 */
export function startSchedules(engine: Engine, flows: Iterable<LoadedFlow>, log: Logger): { stop(): void } {
  const stops: Array<() => void> = [];
  for (const flow of flows) {
    const trigger = flow.flow.trigger;
    if (!('schedule' in trigger)) continue;
    const startedAt = Date.now();
    /** The last tick this job fired, epoch ms. */
    let lastFired: number | undefined;

    const acceptTick = async (self: Cron, tick: string): Promise<void> => {
      const accept = () => engine.accept(flow, { source: 'schedule', headers: {}, query: {}, body: { scheduledAt: tick }, dedupeKey: `tick:${tick}` });
      for (let attempt = 0; ; attempt++) {
        try {
          await accept();
          return;
        } catch (error) {
          const delay = TICK_RETRY_DELAYS_MS[attempt];
          const nextTick = self.nextRun()?.getTime() ?? Infinity;
          // A stopped job (shutdown, a switch) makes no more tries after the one under way.
          if (self.isStopped() || !(error instanceof StoreUnavailableError) || delay === undefined || Date.now() + delay >= nextTick) {
            log.error({ err: error, flowId: flow.flow.id, tick, attempts: attempt + 1 }, 'schedule.tick_failed');
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
        }
      }
    };

    const job = new Cron(trigger.schedule.cron, { timezone: trigger.schedule.timezone ?? 'UTC', protect: true }, async (self: Cron) => {
      const tick = scheduledTickOf(self, new Date());
      lastFired = tick.getTime();
      await acceptTick(self, tick.toISOString());
    });

    stops.push(() => {
      const due = job.previousRuns(1, new Date(Date.now() + 1))[0];
      job.stop();
      if (due === undefined || due.getTime() < startedAt || (lastFired !== undefined && due.getTime() <= lastFired)) return;
      lastFired = due.getTime();
      void acceptTick(job, due.toISOString());
    });
  }
  return { stop: () => stops.forEach((stop) => stop()) };
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
