import { toBulkJob, toBulkJobItem, type BulkJobItemRow, type BulkJobRow } from '../bulk-job-rows.ts';
import { JobLeaseLostError, type BulkJobStore } from '../store.ts';
import { insertAdminAuditEntry } from './sqlite-admin.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

/** The fenced part of every write of a claim's holder: a later claim, a hand-back or the job's end makes it stale. */
const HELD = `id = @jobId AND fence = @fence AND lease_owner IS NOT NULL AND finished_at IS NULL`;
/** Unfinished and held by nobody: never taken, handed back, or its holder's lease ran out (it died or hung). */
const CLAIMABLE = `finished_at IS NULL AND (lease_owner IS NULL OR lease_expires_at <= @now)`;

export function createSqliteBulkJobs({ sql, read, write }: SqliteAccess): BulkJobStore {
  const load = (id: string) => sql('SELECT * FROM bulk_jobs WHERE id = ?').get(id) as BulkJobRow | undefined;

  return {
    // One write closure is one transaction of the group commit: the job, its items and its audit entry.
    create: (job, audit) =>
      write(() => {
        sql(`
          INSERT INTO bulk_jobs (id, action, comment, started_by, total, created_at, finished_at)
          VALUES (@id, @action, @comment, @startedBy, @total, @now, @finishedAt)`).run({
          id: job.id,
          action: job.action,
          comment: job.comment ?? null,
          startedBy: job.startedBy,
          total: job.exceptionIds.length,
          now: job.now,
          finishedAt: job.exceptionIds.length === 0 ? job.now : null,
        });
        const insertItem = sql('INSERT INTO bulk_job_items (job_id, position, exception_id) VALUES (?, ?, ?)');
        job.exceptionIds.forEach((exceptionId, position) => insertItem.run(job.id, position, exceptionId));
        if (audit !== undefined) insertAdminAuditEntry(sql, audit);
        return toBulkJob(load(job.id)!);
      }),

    get: (id) =>
      read(() => {
        const row = load(id);
        return row === undefined ? undefined : toBulkJob(row);
      }),

    // Every process looks every few seconds, nearly always finding nothing: a read first, so an
    // idle look queues no write. The claim itself is a write: the group commit's transaction
    // holds SQLite's one write lock, so two processes on one file cannot both take the job.
    claim: async ({ owner, now, leaseMs }) => {
      const isAnyClaimable = await read(() => sql(`SELECT 1 FROM bulk_jobs WHERE ${CLAIMABLE} LIMIT 1`).get({ now }) !== undefined);
      if (!isAnyClaimable) return undefined;
      return write(() => {
        const row = sql(`
          UPDATE bulk_jobs SET lease_owner = @owner, lease_expires_at = @now + @leaseMs, fence = fence + 1
          WHERE id = (
            SELECT id FROM bulk_jobs WHERE ${CLAIMABLE} ORDER BY created_at, id LIMIT 1)
          RETURNING *`).get({ owner, now, leaseMs }) as BulkJobRow | undefined;
        return row === undefined ? undefined : toBulkJob(row);
      });
    },

    pendingItems: (jobId, afterPosition, limit) =>
      read(() =>
        (
          sql(`
            SELECT position, exception_id, begun_fence FROM bulk_job_items
            WHERE job_id = ? AND position > ? AND outcome IS NULL ORDER BY position LIMIT ?`).all(jobId, afterPosition, limit) as BulkJobItemRow[]
        ).map(toBulkJobItem),
      ),

    beginItem: (jobId, fence, position, leaseUntil) =>
      write(() => {
        const held = sql(`UPDATE bulk_jobs SET lease_expires_at = @leaseUntil WHERE ${HELD}`).run({ jobId, fence, leaseUntil });
        if (held.changes === 0) throw new JobLeaseLostError(jobId);
        sql('UPDATE bulk_job_items SET begun_fence = ? WHERE job_id = ? AND position = ? AND outcome IS NULL').run(fence, jobId, position);
      }),

    recordItem: (jobId, fence, position, outcome, now) =>
      write(() => {
        if (sql(`SELECT 1 FROM bulk_jobs WHERE ${HELD}`).get({ jobId, fence }) === undefined) throw new JobLeaseLostError(jobId);
        const item = sql('UPDATE bulk_job_items SET outcome = ? WHERE job_id = ? AND position = ? AND outcome IS NULL').run(outcome, jobId, position);
        // An item is counted once: a second outcome for it is a caller's mistake, not progress.
        if (item.changes === 0) throw new Error(`job ${jobId} has no item ${position} without an outcome`);
        const row = sql(`
          UPDATE bulk_jobs SET done = done + 1, failed = failed + @failed,
            finished_at = CASE WHEN done + 1 = total THEN @now END,
            lease_owner = CASE WHEN done + 1 = total THEN NULL ELSE lease_owner END,
            lease_expires_at = CASE WHEN done + 1 = total THEN NULL ELSE lease_expires_at END
          WHERE ${HELD} RETURNING *`).get({ jobId, fence, failed: outcome === 'failed' ? 1 : 0, now }) as BulkJobRow;
        return toBulkJob(row);
      }),

    release: (jobId, fence) => write(() => sql(`UPDATE bulk_jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE ${HELD}`).run({ jobId, fence }).changes > 0),
  };
}
