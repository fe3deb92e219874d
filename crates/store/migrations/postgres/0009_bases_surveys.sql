-- Visit corrections, visit photos, internship/practice bases (就业实习实践基地) and the employer
-- demand survey (社会需求调查).
ALTER TABLE visits ADD COLUMN updated_at TIMESTAMPTZ;

CREATE TABLE visit_photos (
    id           UUID    PRIMARY KEY,
    visit_id     UUID    NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    stored_name  TEXT    NOT NULL UNIQUE,
    content_type TEXT    NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT    NOT NULL,
    uploaded_by  UUID    NOT NULL,
    uploaded_at  TIMESTAMPTZ    NOT NULL
);
CREATE INDEX visit_photos_visit ON visit_photos (visit_id);

CREATE TABLE practice_bases (
    id           UUID    PRIMARY KEY,
    org_id       UUID    NOT NULL REFERENCES orgs (id),
    unit_id      UUID    NOT NULL REFERENCES orgs (id),
    employer_id  UUID    NOT NULL REFERENCES employers (id),
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('internship', 'practice', 'employment')),
    capacity     BIGINT NOT NULL DEFAULT 0,
    start_date   TEXT    NOT NULL,
    end_date     TEXT,
    visit_id     UUID    REFERENCES visits (id) ON DELETE SET NULL,
    notes        TEXT,
    created_by   UUID    NOT NULL,
    created_at   TIMESTAMPTZ    NOT NULL,
    origin_node  UUID    NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    UNIQUE (unit_id, employer_id, kind)
);
CREATE INDEX practice_bases_org ON practice_bases (org_id, start_date);

CREATE TABLE base_programmes (
    base_id      UUID NOT NULL REFERENCES practice_bases (id) ON DELETE CASCADE,
    programme_id UUID NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (base_id, programme_id)
);

CREATE TABLE demand_surveys (
    id           UUID    PRIMARY KEY,
    employer_id  UUID    NOT NULL REFERENCES employers (id),
    -- The organisation that collected it (a university, or the province for self-service answers).
    org_id       UUID    NOT NULL REFERENCES orgs (id),
    year         BIGINT NOT NULL,
    notes        TEXT,
    submitted_by UUID    NOT NULL,
    submitted_at TIMESTAMPTZ    NOT NULL,
    origin_node  UUID    NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    UNIQUE (employer_id, org_id, year)
);
CREATE INDEX demand_surveys_org ON demand_surveys (org_id, year);

CREATE TABLE demand_survey_lines (
    survey_id   UUID    NOT NULL REFERENCES demand_surveys (id) ON DELETE CASCADE,
    line        BIGINT NOT NULL,
    role        TEXT    NOT NULL,
    major_class TEXT    NOT NULL,
    education   TEXT    NOT NULL,
    headcount   BIGINT NOT NULL,
    skills      TEXT,
    salary_min  BIGINT NOT NULL,
    salary_max  BIGINT NOT NULL,
    PRIMARY KEY (survey_id, line)
);
