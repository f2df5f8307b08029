CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    tenant_id TEXT NULL REFERENCES tenants(id),
    failed_sign_ins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE system_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE tenant_connected_apps (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    client_id TEXT NOT NULL,
    client_secret_enc TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE salesforce_links (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    status TEXT NOT NULL,
    status_reason TEXT NULL,
    status_changed_at BIGINT NOT NULL,
    flow TEXT NOT NULL,
    app_config TEXT NOT NULL,
    environment TEXT NOT NULL,
    login_url TEXT NOT NULL,
    token_url TEXT NULL,
    client_id TEXT NULL,
    client_secret_enc TEXT NULL,
    org_id TEXT NULL,
    user_id TEXT NULL,
    username TEXT NULL,
    display_name TEXT NULL,
    instance_url TEXT NULL,
    identity_url TEXT NULL,
    api_version TEXT NOT NULL,
    refresh_token_enc TEXT NULL,
    access_token_enc TEXT NULL,
    legacy_password_enc TEXT NULL,
    linked_at BIGINT NULL,
    last_checked_at BIGINT NULL
);
CREATE INDEX salesforce_links_user ON salesforce_links (org_id, user_id);

CREATE TABLE oauth_attempts (
    state_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    session_id TEXT NOT NULL,
    code_verifier_enc TEXT NOT NULL,
    environment TEXT NOT NULL,
    login_url TEXT NOT NULL,
    app_config TEXT NOT NULL,
    api_version TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE link_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    at BIGINT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NULL
);
CREATE INDEX link_events_tenant ON link_events (tenant_id, at);
