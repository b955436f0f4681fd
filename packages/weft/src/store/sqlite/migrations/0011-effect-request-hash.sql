-- What an effect was first sent with (a hash of its request), so that a replay whose edited
-- input would send something else is told, instead of silently reusing the earlier result.
ALTER TABLE effects ADD COLUMN request_hash TEXT;
