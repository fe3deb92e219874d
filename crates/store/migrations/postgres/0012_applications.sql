-- Applications of graduates to postings, every change of their state, and messages between the
-- employer and the applicant.
CREATE TABLE applications (
    id          UUID    PRIMARY KEY,
    posting_id  UUID    NOT NULL REFERENCES postings (id),
    graduate_id UUID    NOT NULL REFERENCES graduates (id),
    -- submitted, viewed, interview, offer, rejected, withdrawn
    status      TEXT    NOT NULL,
    note        TEXT,
    created_at  TIMESTAMPTZ    NOT NULL,
    updated_at  TIMESTAMPTZ    NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    UNIQUE (posting_id, graduate_id)
);
CREATE INDEX applications_graduate ON applications (graduate_id);

CREATE TABLE application_events (
    application_id UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    status         TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    by_user        UUID NOT NULL
);
CREATE INDEX application_events_app ON application_events (application_id, at);

CREATE TABLE application_messages (
    id             UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- employer or graduate
    sender         TEXT NOT NULL,
    body           TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX application_messages_app ON application_messages (application_id, at);
