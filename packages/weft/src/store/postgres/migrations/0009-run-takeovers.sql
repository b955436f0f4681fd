-- The PostgreSQL twin of sqlite/migrations/0010-run-takeovers.sql.
ALTER TABLE runs ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;
