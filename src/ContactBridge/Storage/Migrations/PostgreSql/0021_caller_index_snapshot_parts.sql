-- A snapshot's data in parts of at most 64 KiB, each written in a transaction of its own: where writers take turns (SQLite), an
-- event's write or the fold waits for one part at most, never for a whole index (100,000 records are several MiB, a stall of
-- 150 ms or more in one transaction). A snapshot row names its generation and how many parts it has; parts = 0 is a snapshot
-- stored whole in its data column, as before.
CREATE TABLE caller_index_snapshot_parts (
    tenant_id TEXT NOT NULL,
    generation TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    part BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, generation, part)
);
ALTER TABLE caller_index_snapshots ADD COLUMN generation TEXT NOT NULL DEFAULT '';
ALTER TABLE caller_index_snapshots ADD COLUMN parts BIGINT NOT NULL DEFAULT 0;
