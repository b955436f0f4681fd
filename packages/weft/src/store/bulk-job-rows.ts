import type { BulkJob, BulkJobAction, BulkJobItem } from './store.ts';

/** A `bulk_jobs` row, the same columns in both stores. */
export interface BulkJobRow {
  id: string;
  action: BulkJobAction;
  comment: string | null;
  started_by: string;
  total: number;
  done: number;
  failed: number;
  created_at: number;
  finished_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  fence: number;
}

export interface BulkJobItemRow {
  position: number;
  exception_id: string;
  begun_fence: number | null;
}

export function toBulkJob(row: BulkJobRow): BulkJob {
  return {
    id: row.id,
    action: row.action,
    comment: row.comment,
    startedBy: row.started_by,
    total: row.total,
    done: row.done,
    failed: row.failed,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    fence: row.fence,
  };
}

export function toBulkJobItem(row: BulkJobItemRow): BulkJobItem {
  return { position: row.position, exceptionId: row.exception_id, begun: row.begun_fence !== null };
}
