-- Counselor follow-up (跟踪指导): every contact with a graduate. The summary and the state of mind
-- are sealed at rest, each bound to its row; on_day and next_due are YYYY-MM-DD dates; needs are
-- need ids separated by commas.
CREATE TABLE followup_contacts (
    id          UUID PRIMARY KEY,
    graduate_id UUID NOT NULL REFERENCES graduates (id),
    on_day      TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('in_person', 'phone', 'wechat', 'home_visit', 'online')),
    by_user     UUID NOT NULL REFERENCES users (id),
    needs       TEXT NOT NULL,
    other_need  TEXT NOT NULL,
    summary     TEXT NOT NULL,
    mood        TEXT,
    next_step   TEXT NOT NULL,
    next_due    TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX followup_contacts_graduate ON followup_contacts (graduate_id, on_day);
