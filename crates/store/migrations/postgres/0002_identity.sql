-- Identity, access and audit (PostgreSQL).

CREATE TABLE users (
    id                  UUID    PRIMARY KEY,
    username            TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    -- Home organisation (the organisation column of this table).
    org_id              UUID    NOT NULL REFERENCES orgs (id),
    password_hash       TEXT    NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    totp_secret         TEXT,
    totp_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step      BIGINT,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    -- A linked external identity (CAS/OIDC issuer and subject), for single sign-on later.
    external_issuer     TEXT,
    external_subject    TEXT,
    created_at          TIMESTAMPTZ    NOT NULL,
    updated_at          TIMESTAMPTZ    NOT NULL,
    password_changed_at TIMESTAMPTZ    NOT NULL,
    UNIQUE (external_issuer, external_subject)
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE grants (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('ministry_admin', 'province_admin', 'career_staff', 'university_leader',
                   'college_leader', 'major_head', 'counselor', 'graduate', 'employer')),
    org_id     UUID NOT NULL REFERENCES orgs (id),
    subject_id UUID,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, role, org_id)
);
CREATE INDEX grants_org ON grants (org_id);

CREATE TABLE sessions (
    id_hash       TEXT    PRIMARY KEY,
    user_id       UUID    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,
    second_factor BOOLEAN NOT NULL DEFAULT FALSE,
    ip            TEXT,
    created_at    TIMESTAMPTZ    NOT NULL,
    last_seen_at  TIMESTAMPTZ    NOT NULL,
    expires_at    TIMESTAMPTZ    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    seq         BIGINT  PRIMARY KEY,
    id          UUID    NOT NULL UNIQUE,
    at          TIMESTAMPTZ NOT NULL,
    user_id     UUID,
    username    TEXT,
    role        TEXT,
    org_code    TEXT,
    org_path    TEXT,
    action      TEXT    NOT NULL,
    target      TEXT,
    target_path TEXT,
    result      TEXT    NOT NULL,
    ip          TEXT,
    detail      TEXT,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_org_path ON audit_log (org_path);
CREATE INDEX audit_log_target_path ON audit_log (target_path);
CREATE INDEX audit_log_username ON audit_log (username);

-- The end of the chain: appends lock this row first, so they are serialised on every engine.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
