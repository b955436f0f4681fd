-- Reconciliation reports: one per reconcile step of a run (a retried step replaces its report).
CREATE TABLE reconciliations (
  id            TEXT PRIMARY KEY,
  flow_id       TEXT NOT NULL,
  run_id        TEXT NOT NULL,
  step_path     TEXT NOT NULL,
  entity        TEXT NOT NULL,
  source_system TEXT NOT NULL,
  target_system TEXT NOT NULL,
  matched       INTEGER NOT NULL,
  missing       INTEGER NOT NULL,
  different     INTEGER NOT NULL,
  items         TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  UNIQUE (run_id, step_path)
);
CREATE INDEX reconciliations_by_flow ON reconciliations (flow_id, created_at);
