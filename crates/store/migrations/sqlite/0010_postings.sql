-- Job postings: one employer's offer, where it appears, its screening result and its review.
CREATE TABLE postings (
    id             BLOB    PRIMARY KEY,
    employer_id    BLOB    NOT NULL REFERENCES employers (id),
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    region_code    TEXT    NOT NULL,
    position_code  TEXT    NOT NULL,
    education      TEXT    NOT NULL,
    -- Catalogue codes of majors or major classes wanted, comma-separated; empty means any.
    majors         TEXT    NOT NULL DEFAULT '',
    openings       INTEGER NOT NULL,
    salary_min     INTEGER,
    salary_max     INTEGER,
    deadline       TEXT    NOT NULL,
    contact        TEXT    NOT NULL,
    apply_method   TEXT    NOT NULL,
    -- university, alliance, province or nation; scope_org_id is that organisation.
    visibility     TEXT    NOT NULL CHECK (visibility IN ('university', 'alliance', 'province', 'nation')),
    scope_org_id   BLOB    NOT NULL REFERENCES orgs (id),
    -- pending (awaiting review), approved, held (screened high), rejected, withdrawn
    status         TEXT    NOT NULL,
    risk_level     TEXT    NOT NULL,
    -- The screening reasons as JSON.
    risk_reasons   TEXT    NOT NULL,
    reviewed_by    BLOB,
    reviewed_at    TEXT,
    review_note    TEXT,
    created_by     BLOB    NOT NULL,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    origin_node    BLOB    NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX postings_scope_status ON postings (scope_org_id, status);
CREATE INDEX postings_employer ON postings (employer_id);
