-- Shared rate-limit state: every worker on this store draws from the same buckets (ADR-0009).

CREATE TABLE rate_buckets (
  key        TEXT PRIMARY KEY,
  tokens     REAL NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE rate_pauses (
  key   TEXT PRIMARY KEY,
  until INTEGER NOT NULL
);

CREATE TABLE rate_slots (
  key        TEXT NOT NULL,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (key, holder)
) WITHOUT ROWID;
