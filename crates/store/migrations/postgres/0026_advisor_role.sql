-- A new role, advisor (就业指导老师).
ALTER TABLE grants DROP CONSTRAINT grants_role_check;
ALTER TABLE grants ADD CONSTRAINT grants_role_check CHECK (role IN ('ministry_admin', 'province_admin',
    'career_staff', 'university_leader', 'college_leader', 'major_head', 'counselor', 'advisor', 'graduate',
    'employer'));
