import { toBulkJob, toBulkJobItem, type BulkJobItemRow, type BulkJobRow } from '../bulk-job-rows.ts';
import { JobLeaseLostError, type BulkJobStore } from '../store.ts';
import { insertAdminAuditEntry } from './postgres-admin.ts';
import type { PostgresAccess } from './postgres-access.ts';

/** The fenced part of every write of a claim's holder ($1 job id, $2 fence): a later claim, a hand-back or the job's end makes it stale. */
const HELD = `id = $1 AND fence = $2 AND lease_owner IS NOT NULL AND finished_at IS NULL`;

export function createPostgresBulkJobs({ query, transaction }: PostgresAccess): BulkJobStore {
  return {
    create: (job, audit) =>
      transaction(async (tx) => {
        const [row] = await tx.query<BulkJobRow>(
          `INSERT INTO bulk_jobs (id, action, comment, started_by, total, created_at, finished_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [job.id, job.action, job.comment ?? null, job.startedBy, job.exceptionIds.length, job.now, job.exceptionIds.length === 0 ? job.now : null],
        );
        // One statement for the items, whatever their number: the ids go in as one array.
        if (job.exceptionIds.length > 0) {
          await tx.query(
            `INSERT INTO bulk_job_items (job_id, position, exception_id)
             SELECT $1, item.ordinality - 1, item.id FROM unnest($2::text[]) WITH ORDINALITY AS item (id, ordinality)`,
            [job.id, job.exceptionIds],
          );
        }
        if (audit !== undefined) await insertAdminAuditEntry(tx, audit);
        return toBulkJob(row!);
      }),

    get: async (id) => {
      const [row] = await query<BulkJobRow>('SELECT * FROM bulk_jobs WHERE id = $1', [id]);
      return row === undefined ? undefined : toBulkJob(row);
    },

    // SKIP LOCKED: processes claiming at once take different jobs (or none) instead of queueing
    // on one row; the locked row's conditions are checked again as it is locked.
    claim: async ({ owner, now, leaseMs }) => {
      const [row] = await query<BulkJobRow>(
        `UPDATE bulk_jobs SET lease_owner = $1, lease_expires_at = $2::bigint + $3::bigint, fence = fence + 1
         WHERE id = (
           SELECT id FROM bulk_jobs
           WHERE finished_at IS NULL AND (lease_owner IS NULL OR lease_expires_at <= $2)
           ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [owner, now, leaseMs],
      );
      return row === undefined ? undefined : toBulkJob(row);
    },

    pendingItems: async (jobId, afterPosition, limit) =>
      (
        await query<BulkJobItemRow>(
          `SELECT position, exception_id, begun_fence FROM bulk_job_items
           WHERE job_id = $1 AND position > $2 AND outcome IS NULL ORDER BY position LIMIT $3`,
          [jobId, afterPosition, limit],
        )
      ).map(toBulkJobItem),

    beginItem: async (jobId, fence, position, leaseUntil) => {
      // One statement: the item is marked only while the claim holds the job.
      const [held] = await query<{ held: boolean }>(
        `WITH held AS (UPDATE bulk_jobs SET lease_expires_at = $4 WHERE ${HELD} RETURNING id),
              item AS (UPDATE bulk_job_items SET begun_fence = $2 WHERE job_id = $1 AND position = $3 AND outcome IS NULL AND EXISTS (SELECT 1 FROM held))
         SELECT EXISTS (SELECT 1 FROM held) AS held`,
        [jobId, fence, position, leaseUntil],
      );
      if (!held?.held) throw new JobLeaseLostError(jobId);
    },

    recordItem: (jobId, fence, position, outcome, now) =>
      transaction(async (tx) => {
        // The job's row lock orders this claim's writes after a takeover's claim: a stale fence is seen.
        if ((await tx.query(`SELECT 1 FROM bulk_jobs WHERE ${HELD} FOR UPDATE`, [jobId, fence])).length === 0) throw new JobLeaseLostError(jobId);
        const item = await tx.query('UPDATE bulk_job_items SET outcome = $3 WHERE job_id = $1 AND position = $2 AND outcome IS NULL RETURNING position', [jobId, position, outcome]);
        // An item is counted once: a second outcome for it is a caller's mistake, not progress.
        if (item.length === 0) throw new Error(`job ${jobId} has no item ${position} without an outcome`);
        const [row] = await tx.query<BulkJobRow>(
          `UPDATE bulk_jobs SET done = done + 1, failed = failed + $3,
             finished_at = CASE WHEN done + 1 = total THEN $4::bigint END,
             lease_owner = CASE WHEN done + 1 = total THEN NULL ELSE lease_owner END,
             lease_expires_at = CASE WHEN done + 1 = total THEN NULL ELSE lease_expires_at END
           WHERE ${HELD} RETURNING *`,
          [jobId, fence, outcome === 'failed' ? 1 : 0, now],
        );
        return toBulkJob(row!);
      }),

    release: async (jobId, fence) => (await query(`UPDATE bulk_jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE ${HELD} RETURNING id`, [jobId, fence])).length > 0,
  };
}
