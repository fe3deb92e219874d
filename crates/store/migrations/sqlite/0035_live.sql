-- Live virtual fairs (直播带岗): what must survive a restart. Chats between a booth's recruiter
-- and a graduate, with their messages (one per sender and client id, so a resend is stored
-- once), outcomes and links; résumés left with a booth; the booths' queues (rebuilt into
-- memory on start); attendees muted or removed by staff.
CREATE TABLE live_chats (
    id           BLOB PRIMARY KEY,
    event_id     BLOB NOT NULL REFERENCES events (id),
    booth_id     BLOB NOT NULL REFERENCES event_booths (id),
    employer_id  BLOB NOT NULL REFERENCES employers (id),
    graduate_id  BLOB NOT NULL REFERENCES graduates (id),
    graduate_user BLOB NOT NULL REFERENCES users (id),
    recruiter_id BLOB NOT NULL REFERENCES users (id),
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    outcome      TEXT CHECK (outcome IN ('interview', 'offer', 'not_suitable')),
    link         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX live_chats_event ON live_chats (event_id, ended_at);

CREATE TABLE live_messages (
    id        BLOB PRIMARY KEY,
    chat_id   BLOB NOT NULL REFERENCES live_chats (id),
    event_id  BLOB NOT NULL REFERENCES events (id),
    sender_id BLOB NOT NULL REFERENCES users (id),
    client_id TEXT NOT NULL,
    body      TEXT NOT NULL,
    sent_at   TEXT NOT NULL,
    UNIQUE (chat_id, sender_id, client_id)
);
CREATE INDEX live_messages_event ON live_messages (event_id);

CREATE TABLE live_resume_drops (
    event_id    BLOB NOT NULL REFERENCES events (id),
    booth_id    BLOB NOT NULL REFERENCES event_booths (id),
    graduate_id BLOB NOT NULL REFERENCES graduates (id),
    chat_id     BLOB NOT NULL REFERENCES live_chats (id),
    dropped_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, booth_id, graduate_id)
);

CREATE TABLE live_queue (
    event_id  BLOB NOT NULL REFERENCES events (id),
    booth_id  BLOB NOT NULL REFERENCES event_booths (id),
    user_id   BLOB NOT NULL REFERENCES users (id),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (event_id, booth_id, user_id)
);

CREATE TABLE live_mutes (
    event_id BLOB NOT NULL REFERENCES events (id),
    user_id  BLOB NOT NULL REFERENCES users (id),
    until    TEXT NOT NULL,
    removed  INTEGER NOT NULL,
    by_user  BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (event_id, user_id)
);
