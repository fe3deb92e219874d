-- Graduate destinations (毕业去向登记), evidence, disputes and policy tables (PostgreSQL).

-- The current destination of each graduate, kept on the graduate row for fast statistics.
ALTER TABLE graduates ADD COLUMN dest_code TEXT;
-- none, draft, submitted, returned, college_approved, approved, confirmed
ALTER TABLE graduates ADD COLUMN dest_status TEXT NOT NULL DEFAULT 'none';
ALTER TABLE graduates ADD COLUMN dest_updated_at TIMESTAMPTZ;
CREATE INDEX graduates_cohort_org ON graduates (cohort, org_id);

CREATE TABLE destinations (
    graduate_id        UUID    PRIMARY KEY REFERENCES graduates (id),
    org_id             UUID    NOT NULL REFERENCES orgs (id),
    code               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    employer_name      TEXT,
    credit_code        TEXT,
    employer_region    TEXT,
    employer_type      TEXT,
    employer_industry  TEXT,
    monthly_pay        BIGINT,
    proof_kind         TEXT,
    statement_signed   BOOLEAN NOT NULL DEFAULT FALSE,
    note               TEXT,
    return_reason      TEXT,
    college_reviewer   UUID,
    university_reviewer UUID,
    registered_by      UUID,
    source             TEXT    NOT NULL DEFAULT 'graduate',
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         TIMESTAMPTZ    NOT NULL,
    updated_at         TIMESTAMPTZ    NOT NULL,
    confirmed_at       TIMESTAMPTZ
);
CREATE INDEX destinations_org ON destinations (org_id);

-- Every version of every destination record, with who and when.
CREATE TABLE destination_versions (
    id          UUID    PRIMARY KEY,
    graduate_id UUID    NOT NULL REFERENCES graduates (id),
    org_id      UUID    NOT NULL REFERENCES orgs (id),
    version     BIGINT NOT NULL,
    action      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    snapshot    TEXT    NOT NULL,
    actor_id    UUID,
    actor_name  TEXT,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX destination_versions_graduate ON destination_versions (graduate_id, version);
CREATE INDEX destination_versions_org_at ON destination_versions (org_id, at);

CREATE TABLE evidence (
    id           UUID PRIMARY KEY,
    graduate_id  UUID NOT NULL REFERENCES graduates (id),
    org_id       UUID NOT NULL REFERENCES orgs (id),
    kind         TEXT NOT NULL,
    stored_name  TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  UUID,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_graduate ON evidence (graduate_id);

CREATE TABLE disputes (
    id          UUID PRIMARY KEY,
    graduate_id UUID NOT NULL REFERENCES graduates (id),
    org_id      UUID NOT NULL REFERENCES orgs (id),
    text        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    answer      TEXT,
    answered_by UUID,
    created_at  TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ
);
CREATE INDEX disputes_org_status ON disputes (org_id, status);

-- Monthly minimum wage by province (yuan; the highest tier), editable by administrators.
CREATE TABLE min_wages (
    province_code TEXT    PRIMARY KEY,
    monthly_yuan  BIGINT  NOT NULL,
    effective     TEXT    NOT NULL,
    source        TEXT    NOT NULL
);

-- When a university's cohort closes for corrections (default 31 August of the cohort year).
CREATE TABLE cohort_closings (
    org_id    UUID    NOT NULL REFERENCES orgs (id),
    cohort    INTEGER NOT NULL,
    closes_on TEXT    NOT NULL,
    PRIMARY KEY (org_id, cohort)
);
