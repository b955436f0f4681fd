-- What a call step with `xref` created, kept with its link in the link's transaction, under the
-- idempotency key of the effect that created it. The link commits before the step's checkpoint:
-- a retry of that effect after a crash in between reads here what the first attempt created
-- (created: true, its record) instead of taking its own link for an earlier record's.
-- record: the action's output as JSON.
CREATE TABLE xref_creations (
  effect_key  TEXT PRIMARY KEY,
  entity      TEXT NOT NULL,
  system      TEXT NOT NULL,
  external_id TEXT NOT NULL,
  record      TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
