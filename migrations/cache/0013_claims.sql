-- Claims on an order (R1 reklamasjon, D10 transport damage) and their photos, kept until the
-- customer's data goes (F8). A photo is kept once by its SHA-256 and uploaded on its own, resumably;
-- `uploaded_at` says the central store has all of it.
CREATE TABLE claims (
    id             TEXT    PRIMARY KEY,
    order_id       TEXT    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    claim_no       INTEGER NOT NULL,
    -- JSON of skranke_core::claim::ValidClaim.
    body           TEXT    NOT NULL,
    created_at_utc TEXT    NOT NULL,
    UNIQUE (order_id, claim_no)
);

CREATE TABLE photos (
    sha256      TEXT PRIMARY KEY,
    data        BLOB NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    added_at    TEXT NOT NULL,
    uploaded_at TEXT
);
