-- The W3C trace context an interaction's events came with, so steps that run later join the same trace.
ALTER TABLE inbox_events ADD COLUMN trace_parent TEXT NULL;
ALTER TABLE interactions ADD COLUMN trace_parent TEXT NULL;
ALTER TABLE outbox ADD COLUMN trace_parent TEXT NULL;
