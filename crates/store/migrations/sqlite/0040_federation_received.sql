-- 部省校互联互通: what this node holds from other nodes, and how far it has read each peer.
--
-- One row per record received (a shared posting, its tombstone, an employer's blacklist state),
-- the newest version held. The origin owns the record: only a newer version from it (or its
-- tombstone) replaces the row. `envelope` is the envelope as received, signature included, so
-- that it can be relayed unchanged and checked again.
CREATE TABLE federation_records (
    record      BLOB    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('posting', 'tombstone', 'event', 'blacklist', 'aggregate', 'campaign', 'node_key')),
    origin      TEXT    NOT NULL,
    via         TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    -- The employer's unified social credit code (postings and blacklist entries).
    credit_code TEXT,
    -- A blacklist entry that puts the employer on the blacklist (not one that lifts it).
    blacklisted INTEGER NOT NULL DEFAULT 0,
    envelope    TEXT    NOT NULL,
    received_at TEXT    NOT NULL
);
CREATE INDEX federation_records_received ON federation_records (received_at);
CREATE INDEX federation_records_credit ON federation_records (credit_code);

-- How far this node has read each peer's feed, and how the last attempts went. One node
-- process at a time reads a peer: it holds the row (`holder`) until `held_until`, renewing it
-- as it goes; another process takes over once that has passed.
CREATE TABLE federation_cursors (
    peer_org        TEXT    PRIMARY KEY,
    after_seq       INTEGER NOT NULL DEFAULT 0,
    head_seq        INTEGER NOT NULL DEFAULT 0,
    applied         INTEGER NOT NULL DEFAULT 0,
    refused         INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TEXT,
    last_success_at TEXT,
    next_attempt_at TEXT,
    holder          TEXT,
    held_until      TEXT
);

-- The outbox carries every kind of record: a node relays what it received (unchanged, under
-- its origin's signature) and vouches for its children's keys (`node_key`). SQLite cannot
-- change a CHECK in place: the table is made again with its rows, and the triggers that write
-- to it with it.
DROP TRIGGER federation_outbox_posting_added;
DROP TRIGGER federation_outbox_posting_changed;
DROP TRIGGER federation_outbox_blacklist;
CREATE TABLE federation_outbox_next (
    seq     INTEGER PRIMARY KEY,
    kind    TEXT    NOT NULL CHECK (kind IN ('posting', 'tombstone', 'event', 'blacklist', 'aggregate', 'campaign', 'node_key')),
    record  BLOB    NOT NULL,
    version INTEGER NOT NULL
);
INSERT INTO federation_outbox_next (seq, kind, record, version) SELECT seq, kind, record, version FROM federation_outbox;
DROP TABLE federation_outbox;
ALTER TABLE federation_outbox_next RENAME TO federation_outbox;

CREATE TRIGGER federation_outbox_posting_added AFTER INSERT ON postings
WHEN NEW.status = 'approved' AND NEW.visibility IN ('province', 'nation')
BEGIN
    UPDATE federation_outbox_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO federation_outbox (seq, kind, record, version)
    SELECT last, 'posting', NEW.id, NEW.version FROM federation_outbox_counter WHERE id = 1;
END;

CREATE TRIGGER federation_outbox_posting_changed AFTER UPDATE OF status, version, visibility ON postings
WHEN (NEW.status = 'approved' AND NEW.visibility IN ('province', 'nation'))
  OR (OLD.status = 'approved' AND OLD.visibility IN ('province', 'nation'))
BEGIN
    UPDATE federation_outbox_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO federation_outbox (seq, kind, record, version)
    SELECT
        last,
        CASE WHEN NEW.status = 'approved' AND NEW.visibility IN ('province', 'nation') THEN 'posting' ELSE 'tombstone' END,
        NEW.id,
        NEW.version
    FROM federation_outbox_counter WHERE id = 1;
END;

-- An employer put on or taken off the blacklist (a confirmed scam). Its version is the row's
-- own number: every such change is newer than the last.
CREATE TRIGGER federation_outbox_blacklist AFTER UPDATE OF verification ON employers
WHEN (NEW.verification = 'blacklisted') <> (OLD.verification = 'blacklisted')
BEGIN
    UPDATE federation_outbox_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO federation_outbox (seq, kind, record, version)
    SELECT last, 'blacklist', NEW.id, last FROM federation_outbox_counter WHERE id = 1;
END;
