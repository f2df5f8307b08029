-- What happened while nobody was looking: an org that did not answer, the hub's own database out of
-- reach or its disk full. Tenant-less rows concern the whole hub. Shown on the Activity page.
CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    tenant_id TEXT,
    kind TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    detail TEXT NOT NULL,
    affected BIGINT NOT NULL,
    instance TEXT
);
CREATE INDEX incidents_ended ON incidents (ended_at);

-- Events received per tenant and UTC day: new ones and repeats of events already stored (a replay).
CREATE TABLE intake_days (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    accepted BIGINT NOT NULL,
    repeated BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

-- The most interactions that waited during a Salesforce outage, for the incident it becomes.
ALTER TABLE salesforce_outages ADD COLUMN most_waiting BIGINT NOT NULL DEFAULT 0;
