-- Corrections to a shared employer record proposed by staff outside the scope that registered
-- it; the registering scope accepts or rejects each one. A column left NULL is not proposed.
CREATE TABLE employer_corrections (
    id              UUID        PRIMARY KEY,
    employer_id     UUID        NOT NULL REFERENCES employers (id),
    name            TEXT,
    employer_type   TEXT,
    industry_code   TEXT,
    region_code     TEXT,
    employees       BIGINT,
    revenue_wan     BIGINT,
    contact_name    TEXT,
    contact_phone   TEXT,
    contact_email   TEXT,
    note            TEXT,
    proposed_by     UUID        NOT NULL REFERENCES users (id),
    -- The organisation of the grant the proposer acted under.
    proposer_org_id UUID        NOT NULL REFERENCES orgs (id),
    created_at      TIMESTAMPTZ NOT NULL,
    status          TEXT        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected')),
    decided_by      UUID        REFERENCES users (id),
    decision_note   TEXT,
    decided_at      TIMESTAMPTZ,
    origin_node     UUID        NOT NULL
);
CREATE INDEX employer_corrections_employer ON employer_corrections (employer_id, created_at);

-- Where an employer works with universities, read to decide who sees its contact person.
CREATE INDEX visits_employer ON visits (employer_id, org_id);
CREATE INDEX practice_bases_employer ON practice_bases (employer_id, org_id);
