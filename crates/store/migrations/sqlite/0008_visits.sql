-- Employer visits (访企拓岗): who visited which employer, when, for which programmes, with what outcome.
CREATE TABLE visits (
    id               BLOB    PRIMARY KEY,
    org_id           BLOB    NOT NULL REFERENCES orgs (id),
    unit_id          BLOB    NOT NULL REFERENCES orgs (id),
    employer_id      BLOB    NOT NULL REFERENCES employers (id),
    visit_date       TEXT    NOT NULL,
    form             TEXT    NOT NULL CHECK (form IN ('on_site', 'invited', 'online')),
    positions_opened INTEGER NOT NULL DEFAULT 0,
    base_agreed      INTEGER NOT NULL DEFAULT 0,
    invited_to_fair  INTEGER NOT NULL DEFAULT 0,
    survey_filled    INTEGER NOT NULL DEFAULT 0,
    notes            TEXT,
    created_by       BLOB    NOT NULL,
    created_at       TEXT    NOT NULL,
    origin_node      BLOB    NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX visits_org_date ON visits (org_id, visit_date);
CREATE INDEX visits_unit ON visits (unit_id);

CREATE TABLE visit_people (
    visit_id BLOB NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL REFERENCES users (id),
    role     TEXT NOT NULL,
    PRIMARY KEY (visit_id, user_id)
);

CREATE TABLE visit_programmes (
    visit_id     BLOB NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    programme_id BLOB NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (visit_id, programme_id)
);
