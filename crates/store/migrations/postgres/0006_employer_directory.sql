-- The shared employer directory: size, contacts and verification.
ALTER TABLE employers ADD COLUMN employees BIGINT;
ALTER TABLE employers ADD COLUMN revenue_wan BIGINT;
ALTER TABLE employers ADD COLUMN size_class TEXT;
ALTER TABLE employers ADD COLUMN contact_name TEXT;
ALTER TABLE employers ADD COLUMN contact_phone TEXT;
ALTER TABLE employers ADD COLUMN contact_email TEXT;
-- unverified, verified or blacklisted
ALTER TABLE employers ADD COLUMN verification TEXT NOT NULL DEFAULT 'unverified';
ALTER TABLE employers ADD COLUMN verified_by UUID;
ALTER TABLE employers ADD COLUMN verified_at TIMESTAMPTZ;
ALTER TABLE employers ADD COLUMN blacklist_reason TEXT;
CREATE INDEX employers_name ON employers (name);
