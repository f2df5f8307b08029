-- A tenant's caller index as it stood at taken_at, with the replay id of each change stream it had applied by then (a JSON
-- object, topic → base64): an instance that starts, or restarts, takes the index up from here and resumes the streams after
-- those replay ids, with no Bulk load. Kept only for the rules (fingerprint) and the org it was made for.
CREATE TABLE caller_index_snapshots (
    tenant_id TEXT NOT NULL PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    org_id TEXT NOT NULL,
    instance_url TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    records BIGINT NOT NULL,
    replay_ids TEXT NOT NULL,
    data BYTEA NOT NULL
);
