-- The PostgreSQL twin of sqlite/migrations/0015-bulk-jobs.sql: bulk replays and discards of
-- exceptions as durable jobs (ADR-0016), claimed with a lease and a fence like runs. No foreign
-- key from items to jobs: both are written in one transaction, and `weft migrate-store` copies
-- tables in name order (items before jobs).
CREATE TABLE bulk_jobs (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('replay', 'discard')),
  comment TEXT,
  started_by TEXT NOT NULL,
  total INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  finished_at BIGINT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  fence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bulk_jobs_unfinished ON bulk_jobs (created_at, id) WHERE finished_at IS NULL;

CREATE TABLE bulk_job_items (
  job_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  exception_id TEXT NOT NULL,
  begun_fence INTEGER,
  outcome TEXT CHECK (outcome IN ('done', 'failed')),
  PRIMARY KEY (job_id, position)
);
