-- 部省校互联互通: what this node publishes to its peers, one row per change of a travelling
-- record, numbered in the order the changes committed. The rows are written by triggers in the
-- transaction of the change itself. The number comes from a single counter row, not a
-- sequence: a sequence hands numbers out before commit, so a reader of "after 41" could pass
-- 42 while it is still uncommitted and never see it. Taking the counter row locks it until the
-- transaction ends, so numbers are gap-free and follow commit order.
-- A row names the record and its version; the feed builds the envelope from the record as it
-- is then (a row whose record has moved on is covered by a later row).
CREATE TABLE federation_outbox_counter (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last BIGINT  NOT NULL
);
INSERT INTO federation_outbox_counter (id, last) VALUES (1, 0);

CREATE TABLE federation_outbox (
    seq     BIGINT PRIMARY KEY,
    kind    TEXT   NOT NULL CHECK (kind IN ('posting', 'tombstone', 'blacklist')),
    record  UUID   NOT NULL,
    version BIGINT NOT NULL
);

CREATE FUNCTION federation_outbox_append(k TEXT, r UUID, v BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
BEGIN
    UPDATE federation_outbox_counter SET last = last + 1 WHERE id = 1 RETURNING last INTO n;
    INSERT INTO federation_outbox (seq, kind, record, version) VALUES (n, k, r, COALESCE(v, n));
END
$$;

-- A posting travels while it is approved and shared beyond its university (province- or
-- nation-wide); when it stops being so (withdrawn, rejected, held, back in review, narrowed)
-- a tombstone follows.
CREATE FUNCTION federation_outbox_posting() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    shared_now  BOOLEAN := NEW.status = 'approved' AND NEW.visibility IN ('province', 'nation');
    shared_then BOOLEAN := FALSE;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        shared_then := OLD.status = 'approved' AND OLD.visibility IN ('province', 'nation');
    END IF;
    IF shared_now OR shared_then THEN
        PERFORM federation_outbox_append(CASE WHEN shared_now THEN 'posting' ELSE 'tombstone' END, NEW.id, NEW.version);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER federation_outbox_posting AFTER INSERT OR UPDATE OF status, version, visibility ON postings
FOR EACH ROW EXECUTE FUNCTION federation_outbox_posting();

-- An employer put on or taken off the blacklist (a confirmed scam). Its version is the row's
-- own number: every such change is newer than the last.
CREATE FUNCTION federation_outbox_blacklist() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.verification = 'blacklisted') <> (OLD.verification = 'blacklisted') THEN
        PERFORM federation_outbox_append('blacklist', NEW.id, NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER federation_outbox_blacklist AFTER UPDATE OF verification ON employers
FOR EACH ROW EXECUTE FUNCTION federation_outbox_blacklist();
