-- Alert incidents. At most one open row per rule (the partial unique index): of several
-- processes evaluating the same rules, only the one whose insert wins sends the message.

CREATE TABLE alert_incidents (
  id          INTEGER PRIMARY KEY,
  rule_id     TEXT NOT NULL,
  summary     TEXT NOT NULL,
  opened_at   INTEGER NOT NULL,
  resolved_at INTEGER
);
CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (rule_id) WHERE resolved_at IS NULL;
