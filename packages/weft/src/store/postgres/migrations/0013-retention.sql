-- The PostgreSQL twin of sqlite/migrations/0014-retention.sql: retention deletes a finished run's
-- effects by run, and its event once the run is gone (the foreign key's check reads exceptions by
-- event). Built without CONCURRENTLY, as migrations run in a transaction: on a large effects
-- table, writes of effects wait while it builds (once, at the upgrade).
CREATE INDEX effects_run ON effects (run_id);
CREATE INDEX exceptions_event ON exceptions (event_id);
