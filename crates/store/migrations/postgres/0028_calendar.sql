-- Personal calendar feeds (.ics): one secret token per account, kept sealed (so that its owner
-- can see the address again) and as its SHA-256 (to find the account when a calendar
-- application asks, without a cookie). Deleting the row revokes the address.
CREATE TABLE calendar_feeds (
    user_id    UUID PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    token      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
