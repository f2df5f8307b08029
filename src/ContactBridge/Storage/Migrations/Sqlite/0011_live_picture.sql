-- The contact center's live state: its agent and queue events as they arrived (each once per tenant), and the
-- picture they make, kept current in the same transaction that stores them. Each part of an agent (logged in,
-- state, skills) and each queue keeps the time and id of the event it came from: an older event arriving late
-- changes nothing, and of two events at the same time the one with the greater id wins, in whatever order they came.
CREATE TABLE contact_center_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX contact_center_events_id ON contact_center_events (tenant_id, event_id);
CREATE INDEX contact_center_events_received ON contact_center_events (received_at);
-- An agent's state events of a day, for its figures.
CREATE INDEX contact_center_events_subject ON contact_center_events (tenant_id, subject, occurred_at);

CREATE TABLE agents (
    tenant_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    email TEXT,
    name TEXT,
    station TEXT,
    phone_number TEXT,
    logged_in BIGINT NOT NULL DEFAULT 0,
    login_at BIGINT,
    login_event TEXT,
    state TEXT,
    reason TEXT,
    state_since BIGINT,
    state_event TEXT,
    skills TEXT,
    skills_at BIGINT,
    skills_event TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, agent_id)
);

CREATE TABLE queues (
    tenant_id TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    name TEXT,
    channel TEXT,
    waiting BIGINT NOT NULL,
    longest_wait_seconds BIGINT NOT NULL,
    staffed BIGINT NOT NULL,
    available BIGINT NOT NULL,
    as_of BIGINT NOT NULL,
    as_of_event TEXT NOT NULL,
    PRIMARY KEY (tenant_id, skill_id)
);
