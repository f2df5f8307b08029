-- The Salesforce API calls the hub made per tenant and UTC hour (ok and failed), for the tenant's dashboard
-- and its "how much of the org's allowance did the hub spend". Each instance adds what it made.
CREATE TABLE salesforce_call_hours (
    tenant_id TEXT NOT NULL,
    hour BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, hour)
);

-- The dashboard's last 24 hours: interactions by when they started, writes by when they were sent.
CREATE INDEX interactions_created ON interactions (tenant_id, created_at);
CREATE INDEX outbox_sent ON outbox (tenant_id, sent_at);
