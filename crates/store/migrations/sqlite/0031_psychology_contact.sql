-- The career centre's psychology contact (心理联络人) of a university: the one career-centre
-- account that, with counselors and college leaders, sees the confidential mark that a graduate
-- needs professional help.
CREATE TABLE psychology_contacts (
    university_id BLOB PRIMARY KEY REFERENCES orgs (id),
    user_id       BLOB NOT NULL REFERENCES users (id),
    set_by        BLOB NOT NULL REFERENCES users (id),
    set_at        TEXT NOT NULL
);
