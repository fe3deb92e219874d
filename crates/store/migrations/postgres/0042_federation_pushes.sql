-- 部省校互联互通: pushing to peers' inboxes (`POST /federation/v1/inbox`). Per peer, how far
-- this node's outbox has been delivered to it, and how the last attempts went; the same shape
-- as the reading cursors (`federation_cursors`), and one node process at a time pushes to a
-- peer (`holder` until `held_until`).
CREATE TABLE federation_pushes (
    peer_org        TEXT    PRIMARY KEY,
    after_seq       BIGINT  NOT NULL DEFAULT 0,
    head_seq        BIGINT  NOT NULL DEFAULT 0,
    applied         BIGINT  NOT NULL DEFAULT 0,
    refused         BIGINT  NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    next_attempt_at TIMESTAMPTZ,
    holder          TEXT,
    held_until      TIMESTAMPTZ
);
