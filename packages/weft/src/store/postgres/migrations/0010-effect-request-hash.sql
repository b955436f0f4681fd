-- The PostgreSQL twin of sqlite/migrations/0011-effect-request-hash.sql.
ALTER TABLE effects ADD COLUMN request_hash TEXT;
