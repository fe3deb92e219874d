-- Counselor follow-up: whether each graduate without a destination has been reached.
ALTER TABLE graduates ADD COLUMN contact_state TEXT NOT NULL DEFAULT 'not_contacted';
ALTER TABLE graduates ADD COLUMN contacted_at TIMESTAMPTZ;
ALTER TABLE graduates ADD COLUMN contacted_by UUID;
