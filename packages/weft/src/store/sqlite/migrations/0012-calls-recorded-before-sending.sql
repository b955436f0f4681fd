-- A run's call is recorded before its request leaves and completed with its answer after: a
-- process that stops in between leaves the request on record, its answer missing.
-- fence: the claim of the run the request was sent under (NULL: recorded whole once answered).
-- awaiting_answer: 1 from the start until the answer is recorded.
ALTER TABLE calls ADD COLUMN fence INTEGER;
ALTER TABLE calls ADD COLUMN awaiting_answer INTEGER NOT NULL DEFAULT 0;
