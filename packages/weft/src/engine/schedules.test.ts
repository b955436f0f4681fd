import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cron } from 'croner';
import { scheduledTickOf } from './schedules.ts';

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
