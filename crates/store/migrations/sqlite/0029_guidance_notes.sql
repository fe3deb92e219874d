-- Notes advisors keep about a graduate after a consultation; `shared` ones are shown to the
-- graduate.
CREATE TABLE guidance_notes (
    id          BLOB PRIMARY KEY,
    graduate_id BLOB NOT NULL REFERENCES graduates (id),
    author_id   BLOB NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL,
    shared      BOOLEAN NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX guidance_notes_graduate ON guidance_notes (graduate_id, created_at);
