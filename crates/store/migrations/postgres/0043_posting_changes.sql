-- Several node processes may serve one database: each keeps its own search index and follows
-- the changes the others make. Every change to a posting (added, changed, deleted) gets a row
-- here with a per-database, gap-free, commit-ordered number: the counter row stays locked until
-- the writing transaction ends, so a reader that has seen number N never later finds a smaller
-- number committed (a plain sequence is handed out before commit and would let it skip one).
CREATE TABLE posting_changes_counter (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last BIGINT  NOT NULL
);
INSERT INTO posting_changes_counter (id, last) VALUES (1, 0);

CREATE TABLE posting_changes (
    seq     BIGINT PRIMARY KEY,
    posting UUID   NOT NULL
);

CREATE FUNCTION posting_changes_append() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
BEGIN
    UPDATE posting_changes_counter SET last = last + 1 WHERE id = 1 RETURNING last INTO n;
    INSERT INTO posting_changes (seq, posting) VALUES (n, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END;
$$;

CREATE TRIGGER posting_changes AFTER INSERT OR UPDATE OR DELETE ON postings
FOR EACH ROW EXECUTE FUNCTION posting_changes_append();
