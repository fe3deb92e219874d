-- The career centre's psychology contact (心理联络人) of a university: the one career-centre
-- account that, with counselors and college leaders, sees the confidential mark that a graduate
-- needs professional help.
CREATE TABLE psychology_contacts (
    university_id UUID PRIMARY KEY REFERENCES orgs (id),
    user_id       UUID NOT NULL REFERENCES users (id),
    set_by        UUID NOT NULL REFERENCES users (id),
    set_at        TIMESTAMPTZ NOT NULL
);
