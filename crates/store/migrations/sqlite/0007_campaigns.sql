-- Campaign policies as loaded (TOML text; the engine reads them).
CREATE TABLE campaigns (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    policy    TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
