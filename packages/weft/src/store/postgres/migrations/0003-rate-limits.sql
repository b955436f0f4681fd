-- Shared rate-limit state: every worker process on this database draws from the same buckets
-- (ADR-0009). Writes that read-modify-write a key hold an advisory lock on it.

CREATE TABLE rate_buckets (
  key        TEXT PRIMARY KEY,
  tokens     DOUBLE PRECISION NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE rate_pauses (
  key   TEXT PRIMARY KEY,
  until BIGINT NOT NULL
);

CREATE TABLE rate_slots (
  key        TEXT NOT NULL,
  holder     TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (key, holder)
);
