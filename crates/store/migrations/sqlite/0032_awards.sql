-- Nominations for the 基层就业卓越奖: a college nominates a graduate who went to the grassroots
-- or a teacher who guided such graduates; the university forwards or returns; the province
-- awards or declines. Every step is kept in award_steps.
CREATE TABLE award_nominations (
    id           BLOB PRIMARY KEY,
    year         INTEGER NOT NULL,
    college_id   BLOB NOT NULL REFERENCES orgs (id),
    kind         TEXT NOT NULL CHECK (kind IN ('graduate', 'teacher')),
    graduate_id  BLOB REFERENCES graduates (id),
    teacher_name TEXT NOT NULL,
    citation     TEXT NOT NULL,
    state        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_by   BLOB NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX award_nominations_college ON award_nominations (college_id, year);
-- A graduate is nominated at most once a year (a withdrawn nomination does not count).
CREATE UNIQUE INDEX award_nominations_graduate ON award_nominations (year, graduate_id) WHERE graduate_id IS NOT NULL AND state <> 'withdrawn';

CREATE TABLE award_steps (
    id            BLOB PRIMARY KEY,
    nomination_id BLOB NOT NULL REFERENCES award_nominations (id),
    step          TEXT NOT NULL,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    by_user       BLOB NOT NULL REFERENCES users (id),
    at            TEXT NOT NULL
);
CREATE INDEX award_steps_nomination ON award_steps (nomination_id, at);
