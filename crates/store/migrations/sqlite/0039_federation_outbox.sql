-- 部省校互联互通: what this node publishes to its peers, one row per change of a travelling
-- record, numbered in the order the changes committed. The rows are written by triggers in the
-- transaction of the change itself, so a change and its outbox row commit together or not at
-- all. The number comes from a single counter row, as on PostgreSQL; SQLite lets one writer at a
-- time, so the numbers are gap-free and in commit order.
-- A row names the record and its version; the feed builds the envelope from the record as it
-- is then (a row whose record has moved on is covered by a later row).
CREATE TABLE federation_outbox_counter (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);
INSERT INTO federation_outbox_counter (id, last) VALUES (1, 0);

CREATE TABLE federation_outbox (
    seq     INTEGER PRIMARY KEY,
    kind    TEXT    NOT NULL CHECK (kind IN ('posting', 'tombstone', 'blacklist')),
    record  BLOB    NOT NULL,
    version INTEGER NOT NULL
);

-- A posting travels while it is approved and shared beyond its university (province- or
-- nation-wide); when it stops being so (withdrawn, rejected, held, back in review, narrowed)
-- a tombstone follows.
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
