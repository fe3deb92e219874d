-- Reports of suspicious postings by the people who see them.
CREATE TABLE posting_reports (
    id          UUID    PRIMARY KEY,
    posting_id  UUID    NOT NULL REFERENCES postings (id) ON DELETE CASCADE,
    reporter_id UUID    NOT NULL,
    reason      TEXT    NOT NULL,
    created_at  TIMESTAMPTZ    NOT NULL,
    UNIQUE (posting_id, reporter_id)
);
CREATE INDEX posting_reports_posting ON posting_reports (posting_id);
