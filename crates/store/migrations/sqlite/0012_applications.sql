-- Applications of graduates to postings, every change of their state, and messages between the
-- employer and the applicant.
CREATE TABLE applications (
    id          BLOB    PRIMARY KEY,
    posting_id  BLOB    NOT NULL REFERENCES postings (id),
    graduate_id BLOB    NOT NULL REFERENCES graduates (id),
    -- submitted, viewed, interview, offer, rejected, withdrawn
    status      TEXT    NOT NULL,
    note        TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (posting_id, graduate_id)
);
CREATE INDEX applications_graduate ON applications (graduate_id);

CREATE TABLE application_events (
    application_id BLOB NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    status         TEXT NOT NULL,
    at             TEXT NOT NULL,
    by_user        BLOB NOT NULL
);
CREATE INDEX application_events_app ON application_events (application_id, at);

CREATE TABLE application_messages (
    id             BLOB PRIMARY KEY,
    application_id BLOB NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- employer or graduate
    sender         TEXT NOT NULL,
    body           TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX application_messages_app ON application_messages (application_id, at);
