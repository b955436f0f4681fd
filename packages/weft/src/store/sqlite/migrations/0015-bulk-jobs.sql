-- Bulk replays and discards of exceptions as durable jobs (ADR-0016): every process answers a
-- job's progress, and a job whose process stopped or died is taken up again by another (a lease
-- and a fence, as runs have). No foreign key from items to jobs: both are written in one
-- transaction, and `weft migrate-store` copies tables in name order (items before jobs).
CREATE TABLE bulk_jobs (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('replay', 'discard')),
  comment TEXT,
  started_by TEXT NOT NULL,
  total INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  fence INTEGER NOT NULL DEFAULT 0
);
-- A claim looks only at unfinished jobs: a few, however many finished ones are kept.
CREATE INDEX bulk_jobs_unfinished ON bulk_jobs (created_at, id) WHERE finished_at IS NULL;

CREATE TABLE bulk_job_items (
  job_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  exception_id TEXT NOT NULL,
  -- The fence of the claim that began acting on the item; NULL until one did.
  begun_fence INTEGER,
  outcome TEXT CHECK (outcome IN ('done', 'failed')),
  PRIMARY KEY (job_id, position)
);
