-- The transcript messages already posted for each VoiceCall (JSON: their message ids), and the interaction's state version
-- they were last looked for at: a later version may hold new ones. Transcripts keep their own attempts and error, so a
-- transcript Salesforce refuses never holds up the call's own update.
ALTER TABLE voice_calls ADD COLUMN sent_messages TEXT;
ALTER TABLE voice_calls ADD COLUMN messages_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE voice_calls ADD COLUMN transcript_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE voice_calls ADD COLUMN transcript_next_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE voice_calls ADD COLUMN transcript_error TEXT;
-- A hash of the update last sent for an ended call: a later event that changes nothing in it (a transcript message) sends no second update.
ALTER TABLE voice_calls ADD COLUMN end_hash TEXT;
