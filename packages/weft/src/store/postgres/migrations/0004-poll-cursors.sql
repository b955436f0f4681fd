-- Where each poll trigger left off: advanced only in the transaction that commits the events.
CREATE TABLE poll_cursors (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
