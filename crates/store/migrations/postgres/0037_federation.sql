-- 部省校互联互通: this node's place in the federation (its organisation code and public base
-- URL; its signing key lives in the key ring, not here) and the peers it exchanges records with.
CREATE TABLE federation_node (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    org_code   TEXT    NOT NULL,
    base_url   TEXT    NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE federation_peers (
    org_code   TEXT PRIMARY KEY,
    base_url   TEXT NOT NULL,
    public_key TEXT NOT NULL,
    relation   TEXT NOT NULL CHECK (relation IN ('parent', 'child', 'sibling')),
    receive    TEXT NOT NULL DEFAULT '',
    send       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
