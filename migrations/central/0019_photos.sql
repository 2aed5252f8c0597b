-- Photos of a claim (issue 19), uploaded by a desk in chunks. Named by their content's SHA-256 within
-- the store, so a retried upload never stores a second copy; a photo is complete once every byte has
-- arrived and the hash matched. Personal data: exported and forgotten with the customer (F8).
CREATE TABLE photos (
    store_id     text        NOT NULL,
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    total_bytes  integer     NOT NULL CHECK (total_bytes > 0 AND total_bytes <= 10485760),
    data         bytea       NOT NULL DEFAULT '\x',
    complete     boolean     NOT NULL DEFAULT false,
    device_id    uuid        NOT NULL,
    created_at   timestamptz NOT NULL,
    completed_at timestamptz,
    PRIMARY KEY (store_id, sha256)
);
