-- A new role, advisor (就业指导老师). SQLite cannot change a CHECK constraint in place: the table is
-- rebuilt with the same columns and rows (nothing refers to it by key).
CREATE TABLE grants_new (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('ministry_admin', 'province_admin', 'career_staff', 'university_leader',
                   'college_leader', 'major_head', 'counselor', 'advisor', 'graduate', 'employer')),
    org_id     BLOB NOT NULL REFERENCES orgs (id),
    subject_id BLOB,
    created_by BLOB,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, role, org_id)
);
INSERT INTO grants_new (id, user_id, role, org_id, subject_id, created_by, created_at)
    SELECT id, user_id, role, org_id, subject_id, created_by, created_at FROM grants;
DROP TABLE grants;
ALTER TABLE grants_new RENAME TO grants;
CREATE INDEX grants_org ON grants (org_id);
