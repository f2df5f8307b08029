-- The tenant's mapping between Omni-Channel presence statuses and the contact center's agent states (JSON: a list of
-- {statusApiName, statusId, state, reason}), which the Service Cloud Voice connector follows both ways.
ALTER TABLE voice_call_settings ADD COLUMN presence_mapping TEXT;
