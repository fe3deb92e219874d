-- Foundation schema (SQLite): node identity, reference data, organisation tree, graduates,
-- employers. UUIDs are 16-byte BLOBs, timestamps RFC 3339 text, booleans 0/1.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE ref_codes (
    catalogue   TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    level       INTEGER NOT NULL,
    parent_code TEXT,
    attrs       TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (catalogue, code)
);
CREATE INDEX ref_codes_parent ON ref_codes (catalogue, parent_code);

CREATE TABLE orgs (
    id            BLOB    PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL CHECK (kind IN ('nation', 'province', 'university', 'college', 'programme', 'alliance')),
    name          TEXT    NOT NULL,
    parent_id     BLOB    REFERENCES orgs (id),
    path          TEXT    NOT NULL,
    province_code TEXT,
    school_level  TEXT    CHECK (school_level IN ('undergraduate', 'vocational')),
    newly_built   INTEGER NOT NULL DEFAULT 0,
    private       INTEGER NOT NULL DEFAULT 0,
    authority     TEXT,
    region_code   TEXT,
    major_code    TEXT,
    origin_node   BLOB    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX orgs_parent ON orgs (parent_id);
-- Codes from the nation down, joined by '/': subtree queries are prefix matches.
CREATE INDEX orgs_path ON orgs (path);
CREATE INDEX orgs_kind_province ON orgs (kind, province_code);

CREATE TABLE alliance_members (
    alliance_id   BLOB NOT NULL REFERENCES orgs (id),
    university_id BLOB NOT NULL REFERENCES orgs (id),
    joined_at     TEXT NOT NULL,
    PRIMARY KEY (alliance_id, university_id)
);
CREATE INDEX alliance_members_university ON alliance_members (university_id);

CREATE TABLE graduates (
    id              BLOB    PRIMARY KEY,
    org_id          BLOB    NOT NULL REFERENCES orgs (id),
    college_id      BLOB    NOT NULL REFERENCES orgs (id),
    programme_id    BLOB    NOT NULL REFERENCES orgs (id),
    student_no      TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    gender          TEXT    NOT NULL CHECK (gender IN ('male', 'female')),
    education_level TEXT    NOT NULL CHECK (education_level IN ('associate', 'bachelor', 'master', 'doctor')),
    cohort          INTEGER NOT NULL,
    origin_region   TEXT    NOT NULL,
    origin_node     BLOB    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (org_id, student_no)
);
CREATE INDEX graduates_org_cohort ON graduates (org_id, cohort);
CREATE INDEX graduates_college ON graduates (college_id);
CREATE INDEX graduates_programme ON graduates (programme_id);

CREATE TABLE employers (
    id            BLOB PRIMARY KEY,
    org_id        BLOB NOT NULL REFERENCES orgs (id),
    credit_code   TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    employer_type TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    origin_node   BLOB NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX employers_org ON employers (org_id);
CREATE INDEX employers_region ON employers (region_code);
