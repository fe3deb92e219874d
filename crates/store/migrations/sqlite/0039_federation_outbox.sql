-- 部省校互联互通: what this node publishes to its peers, one row per change of a travelling
-- record, numbered in the order the changes committed. The rows are written by triggers in the
-- transaction of the change itself, so a change and its outbox row commit together or not at
-- all. SQLite lets one writer at a time, so MAX(seq) + 1 is gap-free and in commit order.
-- A row names the record and its version; the feed builds the envelope from the record as it
-- is then (a row whose record has moved on is covered by a later row).
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
    INSERT INTO federation_outbox (seq, kind, record, version)
    VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM federation_outbox), 'posting', NEW.id, NEW.version);
END;

CREATE TRIGGER federation_outbox_posting_changed AFTER UPDATE OF status, version, visibility ON postings
WHEN (NEW.status = 'approved' AND NEW.visibility IN ('province', 'nation'))
  OR (OLD.status = 'approved' AND OLD.visibility IN ('province', 'nation'))
BEGIN
    INSERT INTO federation_outbox (seq, kind, record, version)
    VALUES (
        (SELECT COALESCE(MAX(seq), 0) + 1 FROM federation_outbox),
        CASE WHEN NEW.status = 'approved' AND NEW.visibility IN ('province', 'nation') THEN 'posting' ELSE 'tombstone' END,
        NEW.id,
        NEW.version
    );
END;

-- An employer put on or taken off the blacklist (a confirmed scam). Its version is the row's
-- own number: every such change is newer than the last.
CREATE TRIGGER federation_outbox_blacklist AFTER UPDATE OF verification ON employers
WHEN (NEW.verification = 'blacklisted') <> (OLD.verification = 'blacklisted')
BEGIN
    INSERT INTO federation_outbox (seq, kind, record, version)
    SELECT n, 'blacklist', NEW.id, n FROM (SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM federation_outbox);
END;
