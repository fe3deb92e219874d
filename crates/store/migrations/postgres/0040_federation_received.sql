-- 部省校互联互通: what this node holds from other nodes, and how far it has read each peer.
--
-- One row per record received (a shared posting, its tombstone, an employer's blacklist state),
-- the newest version held. The origin owns the record: only a newer version from it (or its
-- tombstone) replaces the row. `envelope` is the envelope as received, signature included, so
-- that it can be relayed unchanged and checked again.
CREATE TABLE federation_records (
    record      UUID    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('posting', 'tombstone', 'event', 'blacklist', 'aggregate', 'campaign', 'node_key')),
    origin      TEXT    NOT NULL,
    via         TEXT    NOT NULL,
    seq         BIGINT  NOT NULL,
    version     BIGINT  NOT NULL,
    -- The employer's unified social credit code (postings and blacklist entries).
    credit_code TEXT,
    -- A blacklist entry that puts the employer on the blacklist (not one that lifts it).
    blacklisted BOOLEAN NOT NULL DEFAULT FALSE,
    envelope    TEXT    NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX federation_records_received ON federation_records (received_at);
CREATE INDEX federation_records_credit ON federation_records (credit_code);

-- How far this node has read each peer's feed, and how the last attempts went. One node
-- process at a time reads a peer: it holds the row (`holder`) until `held_until`, renewing it
-- as it goes; another process takes over once that has passed.
CREATE TABLE federation_cursors (
    peer_org        TEXT    PRIMARY KEY,
    after_seq       BIGINT  NOT NULL DEFAULT 0,
    head_seq        BIGINT  NOT NULL DEFAULT 0,
    applied         BIGINT  NOT NULL DEFAULT 0,
    refused         BIGINT  NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    next_attempt_at TIMESTAMPTZ,
    holder          TEXT,
    held_until      TIMESTAMPTZ
);

-- The outbox carries every kind of record: a node relays what it received (unchanged, under
-- its origin's signature) and vouches for its children's keys (`node_key`).
ALTER TABLE federation_outbox DROP CONSTRAINT federation_outbox_kind_check;
ALTER TABLE federation_outbox ADD CONSTRAINT federation_outbox_kind_check CHECK (kind IN ('posting', 'tombstone', 'event', 'blacklist', 'aggregate', 'campaign', 'node_key'));
