-- Retention (ADR-0015) deletes a finished run's effects by run, and its event once the run is
-- gone: without these, each batch would scan the effects table, and each deleted event would scan
-- the exceptions table for the foreign key's check. Exceptions are written only when a run parks;
-- effects once per call step, beside the primary key they already update.
CREATE INDEX effects_run ON effects (run_id);
CREATE INDEX exceptions_event ON exceptions (event_id);
