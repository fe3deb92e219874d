-- Employers that posted at a set of organisations before a date (the campaign's "new employer"
-- rule), answered from the index alone.
CREATE INDEX postings_scope_created ON postings (scope_org_id, created_at, employer_id);
