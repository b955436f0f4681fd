-- The PostgreSQL twin of sqlite/migrations/0014-retention.sql: retention deletes a finished run's
-- effects by run, and its event once the run is gone (the foreign key's check reads exceptions by
-- event). Built without CONCURRENTLY, as migrations run in a transaction: on a large effects
-- table, writes of effects wait while it builds (once, at the upgrade). IF NOT EXISTS: an
-- operator may build both beforehand with CREATE INDEX CONCURRENTLY (running-on-postgres.md's
-- upgrade notes), and this then only records the migration.
CREATE INDEX IF NOT EXISTS effects_run ON effects (run_id);
CREATE INDEX IF NOT EXISTS exceptions_event ON exceptions (event_id);
