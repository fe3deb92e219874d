-- Scams confirmed by the staff of a scope. When the confirming scope registered the employer
-- (or lies above the organisation that did), the employer is blacklisted everywhere and
-- `blacklisted` is set; otherwise the employer's postings are hidden from the readers within
-- that scope, and the row is the report upward to the registering scope. Lifting keeps the row.
CREATE TABLE employer_scam_reports (
    id          BLOB    PRIMARY KEY,
    employer_id BLOB    NOT NULL REFERENCES employers (id),
    -- The scope that confirmed it (the organisation of the reviewer's grant).
    org_id      BLOB    NOT NULL REFERENCES orgs (id),
    posting_id  BLOB    REFERENCES postings (id),
    reason      TEXT    NOT NULL,
    blacklisted INTEGER NOT NULL DEFAULT 0,
    created_by  BLOB    NOT NULL REFERENCES users (id),
    created_at  TEXT    NOT NULL,
    lifted_by   BLOB    REFERENCES users (id),
    lifted_at   TEXT,
    lift_reason TEXT,
    origin_node BLOB    NOT NULL
);
CREATE INDEX employer_scam_reports_employer ON employer_scam_reports (employer_id, created_at);
CREATE INDEX employer_scam_reports_org ON employer_scam_reports (org_id, employer_id);
