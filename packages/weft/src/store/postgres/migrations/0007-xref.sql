-- Cross-references: one row per (entity, system, id), grouped into business objects. The
-- unique index keeps a group to one id per system even if a bug bypassed planLink.
CREATE TABLE xrefs (
  entity      TEXT NOT NULL,
  system      TEXT NOT NULL,
  external_id TEXT NOT NULL,
  group_id    TEXT NOT NULL,
  linked_at   BIGINT NOT NULL,
  PRIMARY KEY (entity, system, external_id)
);
CREATE UNIQUE INDEX xrefs_one_id_per_system ON xrefs (entity, group_id, system);
