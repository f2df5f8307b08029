-- Each Salesforce request the pipeline made for an interaction (looking the caller up, planning, writing), with
-- its outcome: the interaction's page answers "what did the hub ask Salesforce, and what came back". A request
-- made for a batch is listed under each interaction of it, with the batch's size. Removed with the interaction.
CREATE TABLE salesforce_requests (
    id BIGSERIAL PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    interaction_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    step TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status BIGINT,
    duration_ms BIGINT NOT NULL,
    batch_size BIGINT NOT NULL
);
CREATE INDEX salesforce_requests_interaction ON salesforce_requests (tenant_id, interaction_id, at);
