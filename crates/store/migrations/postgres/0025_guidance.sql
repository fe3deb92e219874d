-- Guidance (就业指导): slots advisors publish (a consultation, a résumé review, a mock interview),
-- each for `capacity` people, and graduates' bookings. `booked` counts the live bookings and is
-- moved in the same transaction as they are, so that a slot never takes more than its capacity
-- however many book at once.
CREATE TABLE guidance_slots (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES orgs (id),
    advisor_id   UUID NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('consultation', 'resume_review', 'mock_interview')),
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    place        TEXT NOT NULL,
    video_url    TEXT NOT NULL,
    capacity     BIGINT NOT NULL CHECK (capacity >= 1),
    booked       BIGINT NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    cancelled_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX guidance_slots_org ON guidance_slots (org_id, starts_at);

CREATE TABLE guidance_bookings (
    id           UUID PRIMARY KEY,
    slot_id      UUID NOT NULL REFERENCES guidance_slots (id),
    graduate_id  UUID NOT NULL REFERENCES graduates (id),
    created_at   TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ
);
-- One live booking per graduate and slot.
CREATE UNIQUE INDEX guidance_bookings_live ON guidance_bookings (slot_id, graduate_id) WHERE cancelled_at IS NULL;
CREATE INDEX guidance_bookings_graduate ON guidance_bookings (graduate_id);
