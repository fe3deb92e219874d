-- Employer visits (访企拓岗): who visited which employer, when, for which programmes, with what outcome.
CREATE TABLE visits (
    id               UUID    PRIMARY KEY,
    org_id           UUID    NOT NULL REFERENCES orgs (id),
    unit_id          UUID    NOT NULL REFERENCES orgs (id),
    employer_id      UUID    NOT NULL REFERENCES employers (id),
    visit_date       TEXT    NOT NULL,
    form             TEXT    NOT NULL CHECK (form IN ('on_site', 'invited', 'online')),
    positions_opened BIGINT  NOT NULL DEFAULT 0,
    base_agreed      BOOLEAN NOT NULL DEFAULT FALSE,
    invited_to_fair  BOOLEAN NOT NULL DEFAULT FALSE,
    survey_filled    BOOLEAN NOT NULL DEFAULT FALSE,
    notes            TEXT,
    created_by       UUID    NOT NULL,
    created_at       TIMESTAMPTZ    NOT NULL,
    origin_node      UUID    NOT NULL,
    version          BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX visits_org_date ON visits (org_id, visit_date);
CREATE INDEX visits_unit ON visits (unit_id);

CREATE TABLE visit_people (
    visit_id UUID NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL REFERENCES users (id),
    role     TEXT NOT NULL,
    PRIMARY KEY (visit_id, user_id)
);

CREATE TABLE visit_programmes (
    visit_id     UUID NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    programme_id UUID NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (visit_id, programme_id)
);
