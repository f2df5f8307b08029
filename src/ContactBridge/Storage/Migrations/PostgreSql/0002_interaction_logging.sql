CREATE TABLE intake_secrets (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    slot INTEGER NOT NULL,
    secret_enc TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, slot)
);

CREATE TABLE inbox_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    event_id TEXT NOT NULL,
    interaction_id TEXT NOT NULL,
    type TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    folded BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, event_id)
);
CREATE INDEX inbox_events_unfolded ON inbox_events (folded, seq);
CREATE INDEX inbox_events_interaction ON inbox_events (tenant_id, interaction_id);

CREATE TABLE interactions (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    interaction_id TEXT NOT NULL,
    state TEXT NOT NULL,
    state_version BIGINT NOT NULL,
    ended BIGINT NOT NULL DEFAULT 0,
    identification TEXT NULL,
    identified_version BIGINT NOT NULL DEFAULT 0,
    planned_version BIGINT NOT NULL DEFAULT 0,
    records TEXT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, interaction_id)
);
CREATE INDEX interactions_updated ON interactions (tenant_id, updated_at);
-- The pipeline's "what needs work" questions, answered without scanning every interaction.
CREATE INDEX interactions_unidentified ON interactions (updated_at) WHERE identification IS NULL;
CREATE INDEX interactions_to_plan ON interactions (updated_at) WHERE ended = 1 AND identification IS NOT NULL AND planned_version < state_version;

CREATE TABLE logging_settings (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    settings TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    interaction_id TEXT NOT NULL,
    plan TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NULL,
    lease_owner TEXT NULL,
    last_error_code TEXT NULL,
    last_error TEXT NULL,
    result TEXT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT NULL
);
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at);
CREATE INDEX outbox_tenant ON outbox (tenant_id, state);
