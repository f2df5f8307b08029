-- Omni-Channel in a Salesforce org as a historical integration's source. Each Salesforce-source integration reads the org
-- its credentials reach: what it read is kept under its group, and where it got to per object (the last SystemModstamp
-- read) so the next read asks only for what changed since.
CREATE TABLE workforce_omni_cursors (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    object_name TEXT NOT NULL,
    modstamp_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name, object_name)
);

-- UserServicePresence: one presence status an agent held (end null while it lasts).
CREATE TABLE workforce_omni_presence (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    status TEXT,
    start_ms BIGINT NOT NULL,
    end_ms BIGINT,
    PRIMARY KEY (tenant_id, group_name, record_id)
);
CREATE INDEX workforce_omni_presence_start ON workforce_omni_presence (tenant_id, group_name, start_ms);
CREATE INDEX workforce_omni_presence_end ON workforce_omni_presence (tenant_id, group_name, end_ms);

-- AgentWork: a piece of work routed to an agent (a transfer is another one for the same work item).
CREATE TABLE workforce_omni_work (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    work_item_id TEXT NOT NULL,
    user_id TEXT,
    channel TEXT NOT NULL,
    queue TEXT,
    status TEXT,
    request_ms BIGINT,
    accept_ms BIGINT,
    close_ms BIGINT,
    cancel_ms BIGINT,
    acw_seconds BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name, record_id)
);
CREATE INDEX workforce_omni_work_item ON workforce_omni_work (tenant_id, group_name, work_item_id);

-- VoiceCall, where the org has Service Cloud Voice: the hold time, and inbound calls that ended in a queue before any agent saw them.
CREATE TABLE workforce_omni_calls (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    queue TEXT,
    queued_ms BIGINT,
    accept_ms BIGINT,
    end_ms BIGINT,
    hold_seconds BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name, record_id)
);

-- Each work item as the feed counts it (the same columns as workforce_contacts), made from its AgentWork and VoiceCall.
CREATE TABLE workforce_omni_contacts (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    interaction_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    queue TEXT,
    agent_id TEXT,
    offered_at BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT,
    abandoned BIGINT NOT NULL,
    hold_seconds BIGINT NOT NULL,
    wrap_seconds BIGINT NOT NULL,
    transfers BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name, interaction_id)
);
CREATE INDEX workforce_omni_contacts_offered ON workforce_omni_contacts (tenant_id, group_name, offered_at);

-- When each Salesforce-source integration last read its org, and the API calls its reads have taken.
CREATE TABLE workforce_omni_reads (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    read_at BIGINT NOT NULL,
    api_calls BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name)
);

-- A real-time integration whose source is Salesforce: the last replay id of its platform event stored with the states it
-- brought, so its subscription resumes there; stream names the org's channel it belongs to (another org or event starts anew).
CREATE TABLE workforce_subscriptions (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    stream TEXT NOT NULL,
    replay_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name)
);

-- An agent's team, as the contact center sends it with logging in (workforce management's user import).
ALTER TABLE agents ADD COLUMN team TEXT;

-- The Salesforce users an Omni-Channel source has seen in presence records: the agent list (user import) of such a tenant.
CREATE TABLE workforce_omni_users (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT,
    email TEXT,
    username TEXT,
    team TEXT,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name, user_id)
);
