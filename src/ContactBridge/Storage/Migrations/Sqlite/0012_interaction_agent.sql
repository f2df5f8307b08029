-- Which agent has (or had) each interaction, written with each fold: an agent's current contacts and history.
ALTER TABLE interactions ADD COLUMN agent_id TEXT;
UPDATE interactions SET agent_id = json_extract(state, '$.agent.id');
CREATE INDEX interactions_agent ON interactions (tenant_id, agent_id, ended);
