-- When changed screening rules rated an approved posting high-risk: it stays visible with its
-- warning and waits in the review queue until staff decide (a decision or an edit clears it).
ALTER TABLE postings ADD COLUMN recheck_at TEXT;
