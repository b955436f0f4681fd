-- Times are integer milliseconds since the epoch; JSON columns hold text (NULL = undefined).

CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  flow_id     TEXT NOT NULL,
  dedupe_key  TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  UNIQUE (flow_id, dedupe_key)
);

CREATE TABLE runs (
  -- AUTOINCREMENT: seq is creation order, which ordering keys rely on, and is never reused.
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  flow_id          TEXT NOT NULL,
  event_id         TEXT NOT NULL REFERENCES events (id),
  status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'exception')),
  ordering_key     TEXT,
  due_at           INTEGER NOT NULL,
  -- When the claimer must look at the run next: due_at while queued or waiting, the lease's
  -- expiry while running, NULL once terminal. One indexed column serves due runs, takeovers
  -- of dead workers' runs and nextWakeAt, and marks the runs that block an ordering key.
  claimable_at     INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  fence            INTEGER NOT NULL DEFAULT 0,
  attempt_path     TEXT,
  attempt_count    INTEGER NOT NULL DEFAULT 0,
  attempt_first_at INTEGER,
  last_error       TEXT,
  -- Set by edit-and-replay: replaces the trigger body the run sees.
  input_override   TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  CHECK ((claimable_at IS NULL) = (status IN ('succeeded', 'exception')))
);
CREATE INDEX runs_claimable ON runs (claimable_at, seq) WHERE claimable_at IS NOT NULL;
CREATE INDEX runs_ordering ON runs (flow_id, ordering_key, seq) WHERE claimable_at IS NOT NULL AND ordering_key IS NOT NULL;
CREATE INDEX runs_flow ON runs (flow_id, seq);
CREATE INDEX runs_status ON runs (status, seq);
CREATE INDEX runs_event ON runs (event_id);

CREATE TABLE checkpoints (
  -- seq keeps the order steps completed in.
  seq        INTEGER PRIMARY KEY,
  run_id     TEXT NOT NULL REFERENCES runs (id),
  path       TEXT NOT NULL,
  output     TEXT,
  outcome    TEXT NOT NULL CHECK (outcome IN ('done', 'skipped', 'ended')),
  created_at INTEGER NOT NULL,
  UNIQUE (run_id, path)
);

CREATE TABLE effects (
  key        TEXT PRIMARY KEY,
  run_id     TEXT NOT NULL REFERENCES runs (id),
  step_path  TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('pending', 'done')),
  result     TEXT,
  created_at INTEGER NOT NULL,
  done_at    INTEGER
);

CREATE TABLE exceptions (
  id            TEXT PRIMARY KEY,
  run_id        TEXT NOT NULL REFERENCES runs (id),
  flow_id       TEXT NOT NULL,
  event_id      TEXT NOT NULL REFERENCES events (id),
  reason        TEXT NOT NULL,
  message       TEXT NOT NULL,
  step_path     TEXT,
  input         TEXT,
  last_response TEXT,
  status        TEXT NOT NULL CHECK (status IN ('open', 'replayed', 'discarded')),
  created_at    INTEGER NOT NULL,
  resolved_at   INTEGER
);
CREATE INDEX exceptions_created ON exceptions (created_at, id);
CREATE INDEX exceptions_status ON exceptions (status, created_at);
CREATE INDEX exceptions_flow ON exceptions (flow_id, created_at);
CREATE INDEX exceptions_run ON exceptions (run_id);

-- The audit log has no foreign key on purpose: a call is recorded even when its run is not.
CREATE TABLE calls (
  id               INTEGER PRIMARY KEY,
  at               INTEGER NOT NULL,
  flow_id          TEXT NOT NULL,
  run_id           TEXT NOT NULL,
  step_path        TEXT NOT NULL,
  attempt          INTEGER NOT NULL,
  method           TEXT NOT NULL,
  url              TEXT NOT NULL,
  status           INTEGER,
  duration_ms      INTEGER NOT NULL,
  request_headers  TEXT NOT NULL,
  request_body     TEXT,
  response_headers TEXT NOT NULL,
  response_body    TEXT,
  error            TEXT
);
CREATE INDEX calls_run ON calls (run_id, id);

CREATE TABLE destination_holds (
  destination TEXT PRIMARY KEY,
  until       INTEGER NOT NULL
);
