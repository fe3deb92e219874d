-- Career-planning and entrepreneurship contests (职业规划大赛、创新创业大赛): the contest and its
-- named judges, the graduates' entries (one each), and each judge's score of each entry. Prize
-- counts are set when the results are published (published_at).
CREATE TABLE contests (
    id            UUID PRIMARY KEY,
    org_id        UUID NOT NULL REFERENCES orgs (id),
    kind          TEXT NOT NULL CHECK (kind IN ('career_planning', 'entrepreneurship')),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    entries_close TIMESTAMPTZ NOT NULL,
    first_prizes  INTEGER NOT NULL DEFAULT 0,
    second_prizes INTEGER NOT NULL DEFAULT 0,
    third_prizes  INTEGER NOT NULL DEFAULT 0,
    published_at  TIMESTAMPTZ,
    created_by    UUID NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX contests_org ON contests (org_id, entries_close);

CREATE TABLE contest_judges (
    contest_id UUID NOT NULL REFERENCES contests (id),
    user_id    UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (contest_id, user_id)
);
CREATE INDEX contest_judges_user ON contest_judges (user_id);

CREATE TABLE contest_entries (
    id           UUID PRIMARY KEY,
    contest_id   UUID NOT NULL REFERENCES contests (id),
    graduate_id  UUID NOT NULL REFERENCES graduates (id),
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    link         TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (contest_id, graduate_id)
);

CREATE TABLE contest_scores (
    entry_id  UUID NOT NULL REFERENCES contest_entries (id),
    judge_id  UUID NOT NULL REFERENCES users (id),
    score     INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    comment   TEXT NOT NULL,
    scored_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entry_id, judge_id)
);
