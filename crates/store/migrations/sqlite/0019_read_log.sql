-- The read log (查阅记录): who read which graduate's record, which list of graduates (the filter
-- and how many rows), which evidence file or résumé. Kept apart from the audit chain and written
-- in batches, so that reading never waits on the chain; purged by age (see docs/security.md).
CREATE TABLE read_log (
    id           BLOB    PRIMARY KEY,
    at           TEXT    NOT NULL,
    reader_id    BLOB,
    reader_name  TEXT    NOT NULL,
    reader_role  TEXT,
    reader_path  TEXT,
    kind         TEXT    NOT NULL,
    subject_id   BLOB,
    subject_path TEXT,
    filter       TEXT,
    row_count    INTEGER,
    ip           TEXT
);
-- "Who read this graduate's file", newest first.
CREATE INDEX read_log_subject ON read_log (subject_id, at);
-- Searches by reader, and the purge by age.
CREATE INDEX read_log_reader ON read_log (reader_name, at);
CREATE INDEX read_log_at ON read_log (at);
CREATE INDEX read_log_subject_path ON read_log (subject_path);
