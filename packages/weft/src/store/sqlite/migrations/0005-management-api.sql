-- The management API: tokens, the audit of operator/admin actions, flow switches, and what the
-- console lists and filters by.

-- The exception statuses gain 'resolved' (a later run for the same record completed) and a
-- discard keeps its comment. SQLite cannot alter a CHECK, so the table is rebuilt; nothing
-- references it.
CREATE TABLE exceptions_new (
  id            TEXT PRIMARY KEY,
  run_id        TEXT NOT NULL REFERENCES runs (id),
  flow_id       TEXT NOT NULL,
  event_id      TEXT NOT NULL REFERENCES events (id),
  reason        TEXT NOT NULL,
  message       TEXT NOT NULL,
  step_path     TEXT,
  input         TEXT,
  last_response TEXT,
  status        TEXT NOT NULL CHECK (status IN ('open', 'replayed', 'discarded', 'resolved')),
  created_at    INTEGER NOT NULL,
  resolved_at   INTEGER,
  comment       TEXT
);
INSERT INTO exceptions_new (id, run_id, flow_id, event_id, reason, message, step_path, input, last_response, status, created_at, resolved_at)
  SELECT id, run_id, flow_id, event_id, reason, message, step_path, input, last_response, status, created_at, resolved_at FROM exceptions;
DROP TABLE exceptions;
ALTER TABLE exceptions_new RENAME TO exceptions;
CREATE INDEX exceptions_created ON exceptions (created_at, id);
CREATE INDEX exceptions_status ON exceptions (status, created_at, id);
CREATE INDEX exceptions_flow ON exceptions (flow_id, created_at, id);
CREATE INDEX exceptions_run ON exceptions (run_id);

-- Calls made through a connection name it: the console filters and sums by connection.
ALTER TABLE calls ADD COLUMN connection TEXT;
CREATE INDEX calls_connection ON calls (connection, id) WHERE connection IS NOT NULL;

-- API tokens and admin sessions: only the sha256 of the token is kept.
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  kind         TEXT NOT NULL CHECK (kind IN ('api', 'session')),
  hash         TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  expires_at   INTEGER,
  revoked_at   INTEGER
);

-- The local admin password (scrypt); one row.
CREATE TABLE admin_credentials (
  id            TEXT PRIMARY KEY CHECK (id = 'admin'),
  password_hash TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE admin_audit (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  at     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  role   TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX admin_audit_actor ON admin_audit (actor, id);
CREATE INDEX admin_audit_action ON admin_audit (action, id);

CREATE TABLE flow_states (
  flow_id    TEXT PRIMARY KEY,
  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  updated_at INTEGER NOT NULL
);

-- The overview's completions per minute, with latencies, read from the index alone; written
-- once per run, when it succeeds.
CREATE INDEX runs_succeeded ON runs (finished_at, created_at, flow_id) WHERE status = 'succeeded';
