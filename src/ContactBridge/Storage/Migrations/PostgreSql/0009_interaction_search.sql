-- What the Activity page searches by: the channel, the caller's phone (its last nine digits, so national and
-- international forms of a number meet), e-mail and name (lower case). Written with each fold.
ALTER TABLE interactions ADD COLUMN channel TEXT;
ALTER TABLE interactions ADD COLUMN caller_phone_tail TEXT;
ALTER TABLE interactions ADD COLUMN caller_email TEXT;
ALTER TABLE interactions ADD COLUMN caller_name TEXT;
UPDATE interactions SET
    channel = state::json->>'channel',
    caller_email = lower(state::json->'caller'->>'email'),
    caller_name = lower(state::json->'caller'->>'name'),
    caller_phone_tail = NULLIF(right(regexp_replace(state::json->'caller'->>'phone', '\D', '', 'g'), 9), '');
CREATE INDEX interactions_phone ON interactions (tenant_id, caller_phone_tail);
CREATE INDEX interactions_email ON interactions (tenant_id, caller_email);
