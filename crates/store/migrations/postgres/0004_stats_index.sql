-- Placement statistics read everything they need from this index (no table access).
CREATE INDEX graduates_stats ON graduates (cohort, org_id, college_id, programme_id, dest_status, dest_code);
