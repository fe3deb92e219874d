-- An API token acts under the one grant it was issued under and dies with it. Tokens issued
-- before this column existed take the account's first grant.
ALTER TABLE api_tokens ADD COLUMN grant_id BLOB;
UPDATE api_tokens SET grant_id = (
    SELECT g.id FROM grants g WHERE g.user_id = api_tokens.user_id ORDER BY g.created_at, g.id LIMIT 1
);
CREATE INDEX api_tokens_grant ON api_tokens (grant_id);
