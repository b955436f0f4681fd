-- How many times a run was taken over from a worker whose lease expired since its last
-- checkpoint: a run that keeps killing or hanging the process is parked instead of claimed forever.
ALTER TABLE runs ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;
