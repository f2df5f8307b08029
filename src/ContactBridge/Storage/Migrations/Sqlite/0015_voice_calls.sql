-- Service Cloud Voice per tenant: on or off (and since when), and the key pair whose certificate the tenant's contact
-- center holds in Salesforce. The private key is encrypted with the hub's key; the certificate is public.
CREATE TABLE voice_call_settings (
    tenant_id TEXT PRIMARY KEY,
    enabled INTEGER NOT NULL DEFAULT 0,
    enabled_at BIGINT,
    private_key_enc TEXT NOT NULL,
    certificate_pem TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The VoiceCall of each voice interaction of a tenant with Service Cloud Voice on: created when the call starts (its
-- vendorCallKey is the interaction id, so a repeated create answers the same record), updated when it ends. sent_version
-- is the interaction's state version last sent; a later version is sent again.
CREATE TABLE voice_calls (
    tenant_id TEXT NOT NULL,
    interaction_id TEXT NOT NULL,
    voice_call_id TEXT,
    sent_version BIGINT NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    dead INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, interaction_id)
);
CREATE INDEX voice_calls_due ON voice_calls (tenant_id, dead, next_attempt_at);
