-- 部省校互联互通: aggregate figures. A received aggregate is kept with the organisation it
-- counts (its path of codes from the nation down) and its cohort, so that a province's or the
-- nation's statistics can add up the reports under one organisation.
ALTER TABLE federation_records ADD COLUMN subject TEXT;
ALTER TABLE federation_records ADD COLUMN cohort INTEGER;
CREATE INDEX federation_records_cohort ON federation_records (kind, cohort);

-- What this node has reported about the organisations whose rosters it holds: one row per
-- organisation and cohort, the last counts sent (`counts`, canonical JSON without the time
-- they were taken) and the body as sent. A new report is written (with a new version and an
-- outbox row, in one transaction) only when the counts change.
CREATE TABLE federation_reports (
    record      BLOB    PRIMARY KEY,
    org_code    TEXT    NOT NULL,
    cohort      INTEGER NOT NULL,
    version     BIGINT  NOT NULL,
    counts      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    reported_at TEXT NOT NULL
);
