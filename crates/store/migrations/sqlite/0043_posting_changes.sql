-- Several node processes may serve one database: each keeps its own search index and follows
-- the changes the others make. Every change to a posting (added, changed, deleted) gets a row
-- here with a gap-free number in commit order (SQLite has one writer at a time).
CREATE TABLE posting_changes_counter (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);
INSERT INTO posting_changes_counter (id, last) VALUES (1, 0);

CREATE TABLE posting_changes (
    seq     INTEGER PRIMARY KEY,
    posting BLOB    NOT NULL
);

CREATE TRIGGER posting_changes_added AFTER INSERT ON postings
BEGIN
    UPDATE posting_changes_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO posting_changes (seq, posting) SELECT last, NEW.id FROM posting_changes_counter WHERE id = 1;
END;

CREATE TRIGGER posting_changes_changed AFTER UPDATE ON postings
BEGIN
    UPDATE posting_changes_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO posting_changes (seq, posting) SELECT last, NEW.id FROM posting_changes_counter WHERE id = 1;
END;

CREATE TRIGGER posting_changes_deleted AFTER DELETE ON postings
BEGIN
    UPDATE posting_changes_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO posting_changes (seq, posting) SELECT last, OLD.id FROM posting_changes_counter WHERE id = 1;
END;
