-- Visit corrections, visit photos, internship/practice bases (就业实习实践基地) and the employer
-- demand survey (社会需求调查).
ALTER TABLE visits ADD COLUMN updated_at TEXT;

CREATE TABLE visit_photos (
    id           BLOB    PRIMARY KEY,
    visit_id     BLOB    NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    stored_name  TEXT    NOT NULL UNIQUE,
    content_type TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    uploaded_by  BLOB    NOT NULL,
    uploaded_at  TEXT    NOT NULL
);
CREATE INDEX visit_photos_visit ON visit_photos (visit_id);

CREATE TABLE practice_bases (
    id           BLOB    PRIMARY KEY,
    org_id       BLOB    NOT NULL REFERENCES orgs (id),
    unit_id      BLOB    NOT NULL REFERENCES orgs (id),
    employer_id  BLOB    NOT NULL REFERENCES employers (id),
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('internship', 'practice', 'employment')),
    capacity     INTEGER NOT NULL DEFAULT 0,
    start_date   TEXT    NOT NULL,
    end_date     TEXT,
    visit_id     BLOB    REFERENCES visits (id) ON DELETE SET NULL,
    notes        TEXT,
    created_by   BLOB    NOT NULL,
    created_at   TEXT    NOT NULL,
    origin_node  BLOB    NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (unit_id, employer_id, kind)
);
CREATE INDEX practice_bases_org ON practice_bases (org_id, start_date);

CREATE TABLE base_programmes (
    base_id      BLOB NOT NULL REFERENCES practice_bases (id) ON DELETE CASCADE,
    programme_id BLOB NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (base_id, programme_id)
);

CREATE TABLE demand_surveys (
    id           BLOB    PRIMARY KEY,
    employer_id  BLOB    NOT NULL REFERENCES employers (id),
    -- The organisation that collected it (a university, or the province for self-service answers).
    org_id       BLOB    NOT NULL REFERENCES orgs (id),
    year         INTEGER NOT NULL,
    notes        TEXT,
    submitted_by BLOB    NOT NULL,
    submitted_at TEXT    NOT NULL,
    origin_node  BLOB    NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (employer_id, org_id, year)
);
CREATE INDEX demand_surveys_org ON demand_surveys (org_id, year);

CREATE TABLE demand_survey_lines (
    survey_id   BLOB    NOT NULL REFERENCES demand_surveys (id) ON DELETE CASCADE,
    line        INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    major_class TEXT    NOT NULL,
    education   TEXT    NOT NULL,
    headcount   INTEGER NOT NULL,
    skills      TEXT,
    salary_min  INTEGER NOT NULL,
    salary_max  INTEGER NOT NULL,
    PRIMARY KEY (survey_id, line)
);
