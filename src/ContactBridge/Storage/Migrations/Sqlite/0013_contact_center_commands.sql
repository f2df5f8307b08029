-- Where each tenant's contact center takes commands, and the secret both directions of a command are signed with
-- (encrypted at rest, bound to the tenant).
CREATE TABLE contact_center_connections (
    tenant_id TEXT PRIMARY KEY,
    command_url TEXT NOT NULL,
    secret_enc TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Each command asked of a contact center: stored before it is sent, so its id (the idempotency key the contact
-- center sees) survives a retry, a crash or a repeat by the caller; the answer is kept with it.
CREATE TABLE contact_center_commands (
    tenant_id TEXT NOT NULL,
    command_id TEXT NOT NULL,
    request_key TEXT,
    agent_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    requested_by TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    message TEXT,
    result TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    answered_at INTEGER,
    PRIMARY KEY (tenant_id, command_id)
);
CREATE UNIQUE INDEX contact_center_commands_key ON contact_center_commands (tenant_id, request_key);
CREATE INDEX contact_center_commands_created ON contact_center_commands (created_at);

-- The agent's leg (the line to its phone or station), from its own events.
ALTER TABLE agents ADD COLUMN leg TEXT;
ALTER TABLE agents ADD COLUMN leg_at INTEGER;
ALTER TABLE agents ADD COLUMN leg_event TEXT;

-- Scheduled callbacks, address books and supervisors' messages, as the contact center last reported them.
CREATE TABLE commitments (
    tenant_id TEXT NOT NULL,
    commitment_id TEXT NOT NULL,
    number TEXT,
    due_at INTEGER,
    skill_id TEXT,
    agent_id TEXT,
    notes TEXT,
    status TEXT NOT NULL,
    as_of INTEGER NOT NULL,
    as_of_event TEXT NOT NULL,
    PRIMARY KEY (tenant_id, commitment_id)
);
CREATE INDEX commitments_agent ON commitments (tenant_id, agent_id, status);

CREATE TABLE address_books (
    tenant_id TEXT NOT NULL,
    book_id TEXT NOT NULL,
    name TEXT,
    entries TEXT NOT NULL,
    as_of INTEGER NOT NULL,
    as_of_event TEXT NOT NULL,
    PRIMARY KEY (tenant_id, book_id)
);

CREATE TABLE agent_messages (
    tenant_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    sender TEXT,
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX agent_messages_agent ON agent_messages (tenant_id, agent_id, sent_at);
