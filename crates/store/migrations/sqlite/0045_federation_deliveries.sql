-- 部省校互联互通: a graduate's application to a posting of another node, sent only with the
-- graduate's consent for that posting.
--
-- On the graduate's node: what they sent (the application as it travels, sealed at rest), to
-- which node, and how delivery went. One per graduate and posting.
CREATE TABLE federation_deliveries (
    id              BLOB    PRIMARY KEY,
    posting         BLOB    NOT NULL,
    origin          TEXT    NOT NULL,
    graduate_id     BLOB    NOT NULL REFERENCES graduates (id),
    title           TEXT    NOT NULL,
    employer_name   TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    -- pending, delivered, refused
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    delivered_at    TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (posting, graduate_id)
);
CREATE INDEX federation_deliveries_due ON federation_deliveries (state, next_attempt_at);

-- On the posting's node: applications delivered from other nodes (the applicant as sent,
-- sealed at rest), read by the employer that published the posting.
CREATE TABLE federation_applications (
    id          BLOB    PRIMARY KEY,
    posting_id  BLOB    NOT NULL REFERENCES postings (id),
    from_node   TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX federation_applications_posting ON federation_applications (posting_id, received_at);
