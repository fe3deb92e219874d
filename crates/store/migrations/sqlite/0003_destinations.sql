-- Graduate destinations (毕业去向登记), evidence, disputes and policy tables (SQLite).

-- The current destination of each graduate, kept on the graduate row for fast statistics.
ALTER TABLE graduates ADD COLUMN dest_code TEXT;
-- none, draft, submitted, returned, college_approved, approved, confirmed
ALTER TABLE graduates ADD COLUMN dest_status TEXT NOT NULL DEFAULT 'none';
ALTER TABLE graduates ADD COLUMN dest_updated_at TEXT;
CREATE INDEX graduates_cohort_org ON graduates (cohort, org_id);

CREATE TABLE destinations (
    graduate_id        BLOB    PRIMARY KEY REFERENCES graduates (id),
    org_id             BLOB    NOT NULL REFERENCES orgs (id),
    code               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    employer_name      TEXT,
    credit_code        TEXT,
    employer_region    TEXT,
    employer_type      TEXT,
    employer_industry  TEXT,
    monthly_pay        INTEGER,
    proof_kind         TEXT,
    statement_signed   INTEGER NOT NULL DEFAULT 0,
    note               TEXT,
    return_reason      TEXT,
    college_reviewer   BLOB,
    university_reviewer BLOB,
    registered_by      BLOB,
    source             TEXT    NOT NULL DEFAULT 'graduate',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    confirmed_at       TEXT
);
CREATE INDEX destinations_org ON destinations (org_id);

-- Every version of every destination record, with who and when.
CREATE TABLE destination_versions (
    id          BLOB    PRIMARY KEY,
    graduate_id BLOB    NOT NULL REFERENCES graduates (id),
    org_id      BLOB    NOT NULL REFERENCES orgs (id),
    version     INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    snapshot    TEXT    NOT NULL,
    actor_id    BLOB,
    actor_name  TEXT,
    at          TEXT    NOT NULL
);
CREATE INDEX destination_versions_graduate ON destination_versions (graduate_id, version);
CREATE INDEX destination_versions_org_at ON destination_versions (org_id, at);

CREATE TABLE evidence (
    id           BLOB PRIMARY KEY,
    graduate_id  BLOB NOT NULL REFERENCES graduates (id),
    org_id       BLOB NOT NULL REFERENCES orgs (id),
    kind         TEXT NOT NULL,
    stored_name  TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  BLOB,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX evidence_graduate ON evidence (graduate_id);

CREATE TABLE disputes (
    id          BLOB PRIMARY KEY,
    graduate_id BLOB NOT NULL REFERENCES graduates (id),
    org_id      BLOB NOT NULL REFERENCES orgs (id),
    text        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    answer      TEXT,
    answered_by BLOB,
    created_at  TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX disputes_org_status ON disputes (org_id, status);

-- Monthly minimum wage by province (yuan; the highest tier), editable by administrators.
CREATE TABLE min_wages (
    province_code TEXT    PRIMARY KEY,
    monthly_yuan  INTEGER NOT NULL,
    effective     TEXT    NOT NULL,
    source        TEXT    NOT NULL
);

-- When a university's cohort closes for corrections (default 31 August of the cohort year).
CREATE TABLE cohort_closings (
    org_id    BLOB    NOT NULL REFERENCES orgs (id),
    cohort    INTEGER NOT NULL,
    closes_on TEXT    NOT NULL,
    PRIMARY KEY (org_id, cohort)
);
