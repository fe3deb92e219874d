-- Courses and livestream lessons (就业指导课程、直播课) a university or college offers, and the
-- graduates who enrolled in each (attended_at: when they joined the livestream, or when the
-- publisher marked them present).
CREATE TABLE guidance_courses (
    id         BLOB PRIMARY KEY,
    org_id     BLOB NOT NULL REFERENCES orgs (id),
    kind       TEXT NOT NULL CHECK (kind IN ('course', 'livestream')),
    title      TEXT NOT NULL,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    place      TEXT NOT NULL,
    url        TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX guidance_courses_org ON guidance_courses (org_id, starts_at);

CREATE TABLE course_enrolments (
    course_id   BLOB NOT NULL REFERENCES guidance_courses (id),
    graduate_id BLOB NOT NULL REFERENCES graduates (id),
    enrolled_at TEXT NOT NULL,
    attended_at TEXT,
    PRIMARY KEY (course_id, graduate_id)
);
CREATE INDEX course_enrolments_graduate ON course_enrolments (graduate_id);
