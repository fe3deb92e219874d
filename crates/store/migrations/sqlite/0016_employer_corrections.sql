-- Corrections to a shared employer record proposed by staff outside the scope that registered
-- it; the registering scope accepts or rejects each one. A column left NULL is not proposed.
CREATE TABLE employer_corrections (
    id              BLOB    PRIMARY KEY,
    employer_id     BLOB    NOT NULL REFERENCES employers (id),
    name            TEXT,
    employer_type   TEXT,
    industry_code   TEXT,
    region_code     TEXT,
    employees       INTEGER,
    revenue_wan     INTEGER,
    contact_name    TEXT,
    contact_phone   TEXT,
    contact_email   TEXT,
    note            TEXT,
    proposed_by     BLOB    NOT NULL REFERENCES users (id),
    -- The organisation of the grant the proposer acted under.
    proposer_org_id BLOB    NOT NULL REFERENCES orgs (id),
    created_at      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected')),
    decided_by      BLOB    REFERENCES users (id),
    decision_note   TEXT,
    decided_at      TEXT,
    origin_node     BLOB    NOT NULL
);
CREATE INDEX employer_corrections_employer ON employer_corrections (employer_id, created_at);

-- Where an employer works with universities, read to decide who sees its contact person.
CREATE INDEX visits_employer ON visits (employer_id, org_id);
CREATE INDEX practice_bases_employer ON practice_bases (employer_id, org_id);
