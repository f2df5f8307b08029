-- Work that one hub instance at a time does (a tenant's pipeline lane, a worker's round, a running
-- import), held by a lease that its holder renews and that another instance takes over once it expires.
CREATE TABLE work_leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The key ring that protects sign-in and antiforgery cookies, shared by every instance (each key encrypted with the hub key).
CREATE TABLE data_protection_keys (
    name TEXT PRIMARY KEY,
    xml_enc TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Retention: finished interactions by age, finished imports by age, link activity by age.
CREATE INDEX interactions_finished ON interactions (updated_at) WHERE ended = 1 AND planned_version >= state_version;
CREATE INDEX routing_map_imports_finished ON routing_map_imports (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX link_events_at ON link_events (at);
CREATE INDEX oauth_attempts_created ON oauth_attempts (created_at);
CREATE INDEX outbox_interaction ON outbox (tenant_id, interaction_id);
CREATE INDEX inbox_events_discarded ON inbox_events (received_at) WHERE folded = 3;
