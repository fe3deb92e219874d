-- When each party's account last opened an application, so that changes and messages from the
-- other party since then can be shown as new.
CREATE TABLE application_seen (
    application_id UUID NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id        UUID NOT NULL,
    seen_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, user_id)
);
