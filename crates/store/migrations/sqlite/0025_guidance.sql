-- Guidance (就业指导): slots advisors publish (a consultation, a résumé review, a mock interview),
-- each for `capacity` people, and graduates' bookings. `booked` counts the live bookings and is
-- moved in the same transaction as they are, so that a slot never takes more than its capacity
-- however many book at once.
CREATE TABLE guidance_slots (
    id           BLOB PRIMARY KEY,
    org_id       BLOB NOT NULL REFERENCES orgs (id),
    advisor_id   BLOB NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('consultation', 'resume_review', 'mock_interview')),
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    place        TEXT NOT NULL,
    video_url    TEXT NOT NULL,
    capacity     INTEGER NOT NULL CHECK (capacity >= 1),
    booked       INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    cancelled_at TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX guidance_slots_org ON guidance_slots (org_id, starts_at);

CREATE TABLE guidance_bookings (
    id           BLOB PRIMARY KEY,
    slot_id      BLOB NOT NULL REFERENCES guidance_slots (id),
    graduate_id  BLOB NOT NULL REFERENCES graduates (id),
    created_at   TEXT NOT NULL,
    cancelled_at TEXT
);
-- One live booking per graduate and slot.
CREATE UNIQUE INDEX guidance_bookings_live ON guidance_bookings (slot_id, graduate_id) WHERE cancelled_at IS NULL;
CREATE INDEX guidance_bookings_graduate ON guidance_bookings (graduate_id);
