-- Person–job matching (人岗匹配): a graduate's intentions and the résumé text read from their PDF,
-- their feedback on recommended postings, the stored top matches of each graduate (refreshed by
-- `jiuye match --all` and on demand), and employers' invitations to opted-in graduates.
CREATE TABLE match_intentions (
    graduate_id    UUID    PRIMARY KEY REFERENCES graduates (id),
    regions        TEXT    NOT NULL DEFAULT '',
    industries     TEXT    NOT NULL DEFAULT '',
    occupations    TEXT    NOT NULL DEFAULT '',
    employer_types TEXT    NOT NULL DEFAULT '',
    pay_min        BIGINT,
    pay_max        BIGINT,
    work           TEXT    NOT NULL DEFAULT 'any' CHECK (work IN ('any', 'full_time', 'internship')),
    skills         TEXT    NOT NULL DEFAULT '',
    certificates   TEXT    NOT NULL DEFAULT '',
    resume_text    TEXT    NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE match_feedback (
    graduate_id UUID NOT NULL REFERENCES graduates (id),
    posting_id  UUID NOT NULL REFERENCES postings (id),
    feedback    TEXT NOT NULL CHECK (feedback IN ('not_interested', 'interested')),
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (graduate_id, posting_id)
);

CREATE TABLE match_results (
    graduate_id UUID    NOT NULL REFERENCES graduates (id),
    rank        INTEGER NOT NULL,
    posting_id  UUID    NOT NULL REFERENCES postings (id),
    score       DOUBLE PRECISION NOT NULL,
    reasons     TEXT    NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (graduate_id, rank)
);
CREATE INDEX match_results_posting ON match_results (posting_id);

CREATE TABLE match_invitations (
    id          UUID PRIMARY KEY,
    posting_id  UUID NOT NULL REFERENCES postings (id),
    graduate_id UUID NOT NULL REFERENCES graduates (id),
    employer_id UUID NOT NULL REFERENCES employers (id),
    message     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    invited_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ,
    UNIQUE (posting_id, graduate_id)
);
CREATE INDEX match_invitations_graduate ON match_invitations (graduate_id, created_at);
