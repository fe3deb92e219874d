-- Recruitment events (万企进校园): fairs, 宣讲会, workplace days and online fairs organised by a
-- college, university, alliance or province; their booths (a booth holds `capacity` employers;
-- `held` counts the pending and approved bookings), employers' booth bookings with the postings
-- they bring, graduates' registrations (`taken` counts the places held, registered or offered;
-- the rest wait in line) and check-in scans (one row per scan nonce, so a retry counts once).
CREATE TABLE events (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES orgs (id),
    kind         TEXT NOT NULL CHECK (kind IN ('campus_fair', 'college_fair', 'presentation', 'workplace_day', 'online_fair')),
    theme        TEXT NOT NULL CHECK (theme IN ('none', 'sme_100_days', 'western', 'hongzhi')),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    venue        TEXT NOT NULL,
    online       BOOLEAN NOT NULL,
    stream_url   TEXT NOT NULL,
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    places       INTEGER NOT NULL CHECK (places > 0),
    taken        INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= places),
    hold_hours   INTEGER NOT NULL,
    booths_open  BOOLEAN NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    cancelled_at TIMESTAMPTZ,
    created_by   UUID NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_org ON events (org_id, starts_at);
CREATE INDEX events_starts ON events (starts_at);

CREATE TABLE event_booths (
    id       UUID PRIMARY KEY,
    event_id UUID NOT NULL REFERENCES events (id),
    label    TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    held     INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0 AND held <= capacity),
    position INTEGER NOT NULL,
    UNIQUE (event_id, label)
);

CREATE TABLE booth_bookings (
    id          UUID PRIMARY KEY,
    event_id    UUID NOT NULL REFERENCES events (id),
    booth_id    UUID NOT NULL REFERENCES event_booths (id),
    employer_id UUID NOT NULL REFERENCES employers (id),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),
    note        TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    decided_by  UUID REFERENCES users (id),
    decided_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX booth_bookings_one_per_employer ON booth_bookings (event_id, employer_id)
    WHERE state IN ('pending', 'approved');
CREATE INDEX booth_bookings_employer ON booth_bookings (employer_id);

CREATE TABLE booking_postings (
    booking_id UUID NOT NULL REFERENCES booth_bookings (id),
    posting_id UUID NOT NULL REFERENCES postings (id),
    PRIMARY KEY (booking_id, posting_id)
);

CREATE TABLE event_registrations (
    id            UUID PRIMARY KEY,
    event_id      UUID NOT NULL REFERENCES events (id),
    graduate_id   UUID NOT NULL REFERENCES graduates (id),
    state         TEXT NOT NULL CHECK (state IN ('registered', 'waitlisted', 'offered', 'cancelled', 'lapsed')),
    short_code    TEXT NOT NULL,
    offered_until TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    checked_in_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX event_registrations_one_per_graduate ON event_registrations (event_id, graduate_id)
    WHERE state IN ('registered', 'waitlisted', 'offered');
CREATE UNIQUE INDEX event_registrations_code ON event_registrations (event_id, short_code);
CREATE INDEX event_registrations_line ON event_registrations (event_id, state, created_at);
CREATE INDEX event_registrations_graduate ON event_registrations (graduate_id);

CREATE TABLE event_checkins (
    nonce           TEXT PRIMARY KEY,
    event_id        UUID NOT NULL REFERENCES events (id),
    registration_id UUID NOT NULL REFERENCES event_registrations (id),
    counted         BOOLEAN NOT NULL,
    scanned_by      UUID NOT NULL REFERENCES users (id),
    scanned_at      TIMESTAMPTZ NOT NULL
);
