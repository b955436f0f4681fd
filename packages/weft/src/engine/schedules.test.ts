import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { LoadedFlow } from '../flows/load-flow.ts';
import { StoreUnavailableError } from '../store/store.ts';
import type { Engine, IncomingEvent } from './engine.ts';
import { scheduledTickOf, startSchedules } from './schedules.ts';

describe('scheduledTickOf', () => {
  it('keys a tick that fires late by the instant it was scheduled for, not the moment it fired', () => {
    const job = new Cron('0 * * * * *', { timezone: 'UTC', paused: true });
    try {
      assert.equal(scheduledTickOf(job, new Date('2026-03-01T12:00:01.200Z')).toISOString(), '2026-03-01T12:00:00.000Z');
      assert.equal(scheduledTickOf(job, new Date('2026-03-01T12:00:00.004Z')).toISOString(), '2026-03-01T12:00:00.000Z', 'on time');
    } finally {
      job.stop();
    }
  });

  it('keys a tick that fires within its own millisecond by that tick, not the one before', () => {
    const job = new Cron('*/5 * * * *', { timezone: 'UTC', paused: true });
    try {
      assert.equal(scheduledTickOf(job, new Date('2026-03-01T00:05:00.000Z')).toISOString(), '2026-03-01T00:05:00.000Z', 'exactly on the tick');
      assert.equal(scheduledTickOf(job, new Date('2026-03-01T00:05:00.003Z')).toISOString(), '2026-03-01T00:05:00.000Z', '3 ms late');
      assert.equal(scheduledTickOf(job, new Date('2026-03-01T00:09:59.999Z')).toISOString(), '2026-03-01T00:05:00.000Z', 'late by almost the whole period');
    } finally {
      job.stop();
    }
  });

  it('reads the schedule in its time zone', () => {
    // 09:30 in Kolkata (UTC+05:30) is 04:00 UTC.
    const job = new Cron('0 30 9 * * *', { timezone: 'Asia/Kolkata', paused: true });
    try {
      assert.equal(scheduledTickOf(job, new Date('2026-03-01T04:00:02.500Z')).toISOString(), '2026-03-01T04:00:00.000Z');
    } finally {
      job.stop();
    }
  });
});

describe('startSchedules', () => {
  it('accepts a tick again while the store cannot commit, within the tick\'s period', async () => {
    const accepted: string[] = [];
    let refused: string | undefined;
    const engine = {
      accept: async (_flow: LoadedFlow, incoming: IncomingEvent) => {
        if (refused === undefined) {
          refused = incoming.dedupeKey;
          throw new StoreUnavailableError('the store could not commit: SQLITE_BUSY: database is locked');
        }
        accepted.push(incoming.dedupeKey!);
        return { status: 'accepted', eventId: 'evt_1', runId: 'run_1' };
      },
    } as unknown as Engine;
    const failures: unknown[] = [];
    const log = { error: (fields: unknown) => failures.push(fields) } as unknown as Logger;
    const flow = { flow: { id: 'every-second', trigger: { schedule: { cron: '* * * * * *' } }, steps: [] } } as unknown as LoadedFlow;
    const schedules = startSchedules(engine, [flow], log);
    try {
      const deadline = Date.now() + 3000;
      while (accepted.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(accepted[0], refused, 'the refused tick itself was accepted, on a retry');
      assert.deepEqual(failures, []);
    } finally {
      schedules.stop();
    }
  });

  it('accepts a tick that fell due just before its schedule was restarted (a flow switched), once', async () => {
    const accepted: string[] = [];
    const engine = {
      accept: async (_flow: LoadedFlow, incoming: IncomingEvent) => {
        accepted.push(incoming.dedupeKey!);
        return { status: 'accepted', eventId: 'evt_1', runId: 'run_1' };
      },
    } as unknown as Engine;
    const log = { error: () => {} } as unknown as Logger;
    const flow = { flow: { id: 'every-second', trigger: { schedule: { cron: '* * * * * *' } }, steps: [] } } as unknown as LoadedFlow;
    // Shortly before a second's tick, start the schedule; then hold the event loop until the tick
    // is 30 ms past, as a busy engine does, so its timer has not fired yet when the switch restarts it.
    while (Date.now() % 1000 < 800 || Date.now() % 1000 >= 950) await new Promise((resolve) => setTimeout(resolve, 5));
    const first = startSchedules(engine, [flow], log);
    const tick = Math.ceil(Date.now() / 1000) * 1000;
    while (Date.now() < tick + 30);
    first.stop();
    const second = startSchedules(engine, [flow], log);
    try {
      const key = (at: number) => `tick:${new Date(at).toISOString()}`;
      for (const deadline = Date.now() + 3000; !accepted.includes(key(tick + 1000)) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(accepted.slice(0, 2), [key(tick), key(tick + 1000)], 'the tick due at the restart, then the next, each once');
    } finally {
      second.stop();
    }
  });

  it('does not accept a tick that fell due before the schedule started (the flow was off then)', async () => {
    const accepted: string[] = [];
    const engine = { accept: async (_flow: LoadedFlow, incoming: IncomingEvent) => void accepted.push(incoming.dedupeKey!) } as unknown as Engine;
    const flow = { flow: { id: 'every-second', trigger: { schedule: { cron: '* * * * * *' } }, steps: [] } } as unknown as LoadedFlow;
    while (Date.now() % 1000 < 20 || Date.now() % 1000 >= 500) await new Promise((resolve) => setTimeout(resolve, 5));
    startSchedules(engine, [flow], { error: () => {} } as unknown as Logger).stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(accepted, []);
  });
});
