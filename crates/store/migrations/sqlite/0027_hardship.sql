-- The hardship ledger (帮扶台账): one file per graduate in difficulty. The profile (categories,
-- disability kind, evidence), the consent and the plan are sealed at rest, each bound to its
-- row; the states beside them are plain so that coverage can be counted. `version` grows with
-- every edit (no silent overwrite). Dates are YYYY-MM-DD.
CREATE TABLE hardship_files (
    graduate_id      BLOB PRIMARY KEY REFERENCES graduates (id),
    profile          TEXT NOT NULL,
    consent          TEXT NOT NULL,
    verified_by      BLOB REFERENCES users (id),
    verified_on      TEXT,
    plan             TEXT,
    plan_state       TEXT NOT NULL CHECK (plan_state IN ('none', 'draft', 'submitted', 'approved', 'returned')),
    plan_approved_by BLOB REFERENCES users (id),
    helper_id        BLOB REFERENCES users (id),
    training         TEXT NOT NULL CHECK (training IN ('none', 'enrolled', 'completed')),
    subsidy          TEXT NOT NULL CHECK (subsidy IN ('none', 'applied', 'approved', 'rejected', 'paid')),
    subsidy_yuan     INTEGER,
    case_state       TEXT NOT NULL CHECK (case_state IN ('open', 'closing', 'closed')),
    closed_on        TEXT,
    source           TEXT NOT NULL CHECK (source IN ('staff', 'import')),
    version          INTEGER NOT NULL,
    created_by       BLOB NOT NULL REFERENCES users (id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX hardship_files_helper ON hardship_files (helper_id);

-- Postings staff recommend to a graduate in the ledger.
CREATE TABLE hardship_recommendations (
    graduate_id BLOB NOT NULL REFERENCES hardship_files (graduate_id) ON DELETE CASCADE,
    posting_id  BLOB NOT NULL REFERENCES postings (id),
    by_user     BLOB NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (graduate_id, posting_id)
);

-- The one-time job-seeking subsidy (一次性求职创业补贴) per province, in yuan: shipped as
-- unverified data, corrected by the province's administrators.
CREATE TABLE subsidy_amounts (
    province_code TEXT PRIMARY KEY,
    yuan          INTEGER NOT NULL CHECK (yuan >= 0),
    effective     TEXT NOT NULL,
    source        TEXT NOT NULL
);
