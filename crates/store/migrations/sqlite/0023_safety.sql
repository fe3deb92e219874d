-- Rights reports (维护就业权益): filed by a graduate about an employer or a university unit, handled
-- by the career centre of the graduate's university (or the province directly when the report is
-- about that university); an untouched report reaches the province after 5 working days
-- (due_on, a YYYY-MM-DD date counted with the holiday calendar).
CREATE TABLE rights_reports (
    id             BLOB PRIMARY KEY,
    graduate_id    BLOB NOT NULL REFERENCES graduates (id),
    reporter_id    BLOB NOT NULL,
    university_id  BLOB NOT NULL REFERENCES orgs (id),
    province_id    BLOB NOT NULL REFERENCES orgs (id),
    kind           TEXT NOT NULL,
    employer_id    BLOB REFERENCES employers (id),
    target_org_id  BLOB REFERENCES orgs (id),
    target_name    TEXT NOT NULL,
    description    TEXT NOT NULL,
    anonymous      INTEGER NOT NULL,
    route          TEXT NOT NULL CHECK (route IN ('university', 'province')),
    state          TEXT NOT NULL CHECK (state IN ('received', 'handling', 'resolved', 'referred')),
    due_on         TEXT NOT NULL,
    escalated_at   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rights_reports_graduate ON rights_reports (graduate_id);
CREATE INDEX rights_reports_university ON rights_reports (university_id, state);
CREATE INDEX rights_reports_province ON rights_reports (province_id, state);

-- Each step of a report: its state, who moved it (none for the filing), and the note the
-- graduate reads.
CREATE TABLE rights_report_events (
    report_id  BLOB NOT NULL REFERENCES rights_reports (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    state      TEXT NOT NULL,
    by_user    BLOB,
    note       TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);

-- The safety quiz: each graduate's best result.
CREATE TABLE safety_quiz_results (
    graduate_id  BLOB PRIMARY KEY REFERENCES graduates (id),
    right_count  INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    passed       INTEGER NOT NULL,
    at           TEXT NOT NULL
);
