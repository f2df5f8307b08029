-- The tenant's mapping between Omni-Channel presence statuses and the contact center's agent states (JSON: a list of
-- {statusApiName, statusId, state, reason}), which the Service Cloud Voice connector follows both ways.
ALTER TABLE voice_call_settings ADD COLUMN presence_mapping TEXT;

-- The transcript messages already posted for each VoiceCall (JSON: their message ids), and the interaction's state version
-- they were last looked for at: a later version may hold new ones.
ALTER TABLE voice_calls ADD COLUMN sent_messages TEXT;
ALTER TABLE voice_calls ADD COLUMN messages_version BIGINT NOT NULL DEFAULT 0;
-- A hash of the update last sent for an ended call: a later event that changes nothing in it (a transcript message) sends no second update.
ALTER TABLE voice_calls ADD COLUMN end_hash TEXT;
