-- The themed campaigns (专场) a posting joined, comma-separated ids.
ALTER TABLE postings ADD COLUMN specials TEXT NOT NULL DEFAULT '';
