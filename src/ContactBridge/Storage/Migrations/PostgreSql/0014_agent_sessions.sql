-- An agent's sign-in to the softphone by single sign-on from Salesforce: started from the softphone with a nonce
-- only it knows, completed by Salesforce's callback (one use, ten minutes).
CREATE TABLE agent_sign_ins (
    state_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    nonce_hash TEXT NOT NULL,
    code_verifier_enc TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The softphone's sessions, each bound to one tenant and one agent. Only hashes of the secrets are kept: the
-- one-time ticket the sign-in window hands to the softphone, then the session token of its cookie.
CREATE TABLE agent_sessions (
    session_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    salesforce_user_id TEXT NOT NULL,
    salesforce_username TEXT NOT NULL,
    display_name TEXT,
    nonce_hash TEXT NOT NULL,
    ticket_hash TEXT,
    token_hash TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE UNIQUE INDEX agent_sessions_ticket ON agent_sessions (ticket_hash);
CREATE UNIQUE INDEX agent_sessions_token ON agent_sessions (token_hash);
CREATE INDEX agent_sessions_agent ON agent_sessions (tenant_id, agent_id);

-- Wrong agent passwords at the softphone's sign-in, for the lock-out every hub instance shares.
CREATE TABLE agent_sign_in_failures (
    tenant_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX agent_sign_in_failures_agent ON agent_sign_in_failures (tenant_id, agent_id, failed_at);
