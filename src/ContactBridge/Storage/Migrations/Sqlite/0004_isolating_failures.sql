-- Events that cannot be folded are set aside (inbox_events.folded = 2) with the reason.
ALTER TABLE inbox_events ADD COLUMN error TEXT NULL;
CREATE INDEX inbox_events_quarantined ON inbox_events (tenant_id, seq) WHERE folded = 2;

-- A caller lookup that fails for one interaction is retried alone, later, a bounded number of times.
ALTER TABLE interactions ADD COLUMN identify_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN identify_after BIGINT NOT NULL DEFAULT 0;

-- Since when a write has failed transiently: it is retried until the retry horizon has passed.
ALTER TABLE outbox ADD COLUMN failing_since BIGINT NULL;

-- A tenant's org that cannot be reached: since when, why, and when to try again.
CREATE TABLE salesforce_outages (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    since BIGINT NOT NULL,
    last_error TEXT NOT NULL,
    last_attempt_at BIGINT NOT NULL,
    retry_at BIGINT NOT NULL,
    failures BIGINT NOT NULL
);
