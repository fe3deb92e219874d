-- Job postings: one employer's offer, where it appears, its screening result and its review.
CREATE TABLE postings (
    id             UUID    PRIMARY KEY,
    employer_id    UUID    NOT NULL REFERENCES employers (id),
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    region_code    TEXT    NOT NULL,
    position_code  TEXT    NOT NULL,
    education      TEXT    NOT NULL,
    -- Catalogue codes of majors or major classes wanted, comma-separated; empty means any.
    majors         TEXT    NOT NULL DEFAULT '',
    openings       BIGINT NOT NULL,
    salary_min     BIGINT,
    salary_max     BIGINT,
    deadline       TEXT    NOT NULL,
    contact        TEXT    NOT NULL,
    apply_method   TEXT    NOT NULL,
    -- university, alliance, province or nation; scope_org_id is that organisation.
    visibility     TEXT    NOT NULL CHECK (visibility IN ('university', 'alliance', 'province', 'nation')),
    scope_org_id   UUID    NOT NULL REFERENCES orgs (id),
    -- pending (awaiting review), approved, held (screened high), rejected, withdrawn
    status         TEXT    NOT NULL,
    risk_level     TEXT    NOT NULL,
    -- The screening reasons as JSON.
    risk_reasons   TEXT    NOT NULL,
    reviewed_by    UUID,
    reviewed_at    TIMESTAMPTZ,
    review_note    TEXT,
    created_by     UUID    NOT NULL,
    created_at     TIMESTAMPTZ    NOT NULL,
    updated_at     TIMESTAMPTZ    NOT NULL,
    origin_node    UUID    NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX postings_scope_status ON postings (scope_org_id, status);
CREATE INDEX postings_employer ON postings (employer_id);
