-- Workforce-management integrations per tenant: historical (interval statistics) and real-time (agent states), each in a
-- named group, unique per kind. Settings other than the client secret are JSON; the secret is encrypted under a purpose
-- bound to the tenant. computed_through is the end of the last closed interval the historical feed has computed (null:
-- compute from scratch), revision counts its passes: rows carry the revision that last changed them ("changed since").
CREATE TABLE workforce_integrations (
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    group_name TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    settings TEXT NOT NULL,
    client_secret_enc TEXT,
    webhook_secret_enc TEXT,
    computed_through BIGINT,
    revision BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, group_name)
);

-- Each contact as the feed counts it, kept in step with the interaction it comes from (in the fold's transaction).
CREATE TABLE workforce_contacts (
    tenant_id TEXT NOT NULL,
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
    PRIMARY KEY (tenant_id, interaction_id)
);
CREATE INDEX workforce_contacts_offered ON workforce_contacts (tenant_id, offered_at);

-- Moments from which an event changed a tenant's intervals, appended in the transaction that stored the event (no row is
-- updated, so marking never waits for another transaction); the feed computes from the earliest and deletes exactly the
-- marks it read.
CREATE TABLE workforce_marks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    from_ms BIGINT NOT NULL
);
CREATE INDEX workforce_marks_tenant ON workforce_marks (tenant_id);

CREATE TABLE workforce_queue_intervals (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    interval_start BIGINT NOT NULL,
    queue TEXT NOT NULL,
    channel TEXT NOT NULL,
    offered BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    answered_in_threshold BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    short_abandoned BIGINT NOT NULL,
    answer_wait_seconds BIGINT NOT NULL,
    handled BIGINT NOT NULL,
    talk_seconds BIGINT NOT NULL,
    hold_seconds BIGINT NOT NULL,
    wrap_seconds BIGINT NOT NULL,
    transfers BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name, interval_start, queue, channel)
);
CREATE INDEX workforce_queue_intervals_revision ON workforce_queue_intervals (tenant_id, group_name, revision);

CREATE TABLE workforce_agent_intervals (
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    interval_start BIGINT NOT NULL,
    agent_id TEXT NOT NULL,
    admin_seconds BIGINT NOT NULL,
    idle_seconds BIGINT NOT NULL,
    not_ready_seconds BIGINT NOT NULL,
    ready_seconds BIGINT NOT NULL,
    unclassified TEXT NOT NULL,
    handled BIGINT NOT NULL,
    talk_seconds BIGINT NOT NULL,
    hold_seconds BIGINT NOT NULL,
    wrap_seconds BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, group_name, interval_start, agent_id)
);
CREATE INDEX workforce_agent_intervals_revision ON workforce_agent_intervals (tenant_id, group_name, revision);
-- An agent's state events before a moment, for the state it was in when a recomputed range begins.
CREATE INDEX contact_center_events_type ON contact_center_events (tenant_id, type, occurred_at);

-- The real-time feed's deliveries: each batch of agent state changes for each real-time integration's webhook and platform
-- event, written in the transaction that stored the changes, and sent (with retries) by one instance at a time.
CREATE TABLE workforce_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    target TEXT NOT NULL,
    body TEXT NOT NULL,
    changes BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
-- Each integration's target's pending deliveries in order: the first decides whether they are due.
CREATE INDEX workforce_deliveries_pending ON workforce_deliveries (state, tenant_id, group_name, target, seq);
CREATE INDEX workforce_deliveries_tenant ON workforce_deliveries (tenant_id, group_name, created_at);
