-- The PostgreSQL twin of sqlite/migrations/0013-xref-creations.sql.
CREATE TABLE xref_creations (
  effect_key  TEXT PRIMARY KEY,
  entity      TEXT NOT NULL,
  system      TEXT NOT NULL,
  external_id TEXT NOT NULL,
  record      TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
