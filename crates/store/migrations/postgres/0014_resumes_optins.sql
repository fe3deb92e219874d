-- A résumé a graduate attached to an application: the file is kept outside the web root under
-- a random name.
ALTER TABLE applications ADD COLUMN resume_stored TEXT;
ALTER TABLE applications ADD COLUMN resume_type TEXT;
ALTER TABLE applications ADD COLUMN resume_bytes BIGINT;

-- Graduates who let verified employers find their profile without applying.
CREATE TABLE talent_optins (
    graduate_id UUID PRIMARY KEY REFERENCES graduates (id),
    since       TIMESTAMPTZ NOT NULL
);
