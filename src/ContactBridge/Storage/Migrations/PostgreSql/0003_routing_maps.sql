-- One row per routing-map build, validation or import: its choices, counts and per-row report (JSON).
CREATE TABLE routing_map_imports (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    source TEXT NOT NULL,
    call_center_id TEXT NOT NULL,
    match_by TEXT NOT NULL,
    existing_policy TEXT NOT NULL,
    dry_run BIGINT NOT NULL,
    state TEXT NOT NULL,
    method TEXT NULL,
    summary TEXT NULL,
    report TEXT NULL,
    error TEXT NULL,
    api_calls BIGINT NOT NULL DEFAULT 0,
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    progress_stage TEXT NULL,
    created_by TEXT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT NULL
);
CREATE INDEX routing_map_imports_tenant ON routing_map_imports (tenant_id, created_at);

-- "Keep it mapped": new contact-center users are mapped as soon as a Salesforce user matches.
CREATE TABLE routing_map_settings (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    keep_mapped BIGINT NOT NULL,
    call_center_id TEXT NULL,
    match_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The contact center's users (agents) the hub has seen in events.
CREATE TABLE contact_center_users (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    external_id TEXT NOT NULL,
    email TEXT NULL,
    name TEXT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    mapping_outcome TEXT NULL,
    mapping_checked_at BIGINT NULL,
    PRIMARY KEY (tenant_id, external_id)
);
CREATE INDEX contact_center_users_unchecked ON contact_center_users (mapping_checked_at);
