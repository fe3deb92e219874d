-- Reports of suspicious postings by the people who see them.
CREATE TABLE posting_reports (
    id          BLOB    PRIMARY KEY,
    posting_id  BLOB    NOT NULL REFERENCES postings (id) ON DELETE CASCADE,
    reporter_id BLOB    NOT NULL,
    reason      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (posting_id, reporter_id)
);
CREATE INDEX posting_reports_posting ON posting_reports (posting_id);
