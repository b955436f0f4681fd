-- Whether a flow has any open exception, from a small index: every completed run asks, so that
-- the common answer (none) costs a lookup instead of a write.
CREATE INDEX exceptions_open_by_flow ON exceptions (flow_id) WHERE status = 'open';
