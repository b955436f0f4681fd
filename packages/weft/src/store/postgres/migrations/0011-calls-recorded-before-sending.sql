-- The PostgreSQL twin of sqlite/migrations/0012-calls-recorded-before-sending.sql (0 or 1 as
-- there, so `weft migrate-store` copies the rows value for value).
ALTER TABLE calls ADD COLUMN fence BIGINT;
ALTER TABLE calls ADD COLUMN awaiting_answer SMALLINT NOT NULL DEFAULT 0;
