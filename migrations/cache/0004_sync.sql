-- Sync with the central store: the pairing, acknowledgements on orders, pull cursors and staged pages.

ALTER TABLE device ADD COLUMN central_url TEXT;
-- The bearer token the central store gave at pairing (shown once there; kept here to sign requests).
ALTER TABLE device ADD COLUMN token TEXT;
ALTER TABLE device ADD COLUMN store_id TEXT;
ALTER TABLE device ADD COLUMN store_name TEXT;
ALTER TABLE device ADD COLUMN paired_at TEXT;
-- The central store counts a newly paired device's mutations from 1: wire seq = outbox seq - seq_offset.
ALTER TABLE device ADD COLUMN seq_offset INTEGER NOT NULL DEFAULT 0;
ALTER TABLE device ADD COLUMN last_good_sync_at TEXT;

-- What the central store decided about an order: applied | applied_with_flags | rejected, its flags
-- (protocol JSON) and, when rejected, its message.
ALTER TABLE orders ADD COLUMN tracking_number TEXT;
ALTER TABLE orders ADD COLUMN central_outcome TEXT;
ALTER TABLE orders ADD COLUMN central_flags TEXT;
ALTER TABLE orders ADD COLUMN central_message TEXT;

-- Per stream: the cursor of what is applied, and of what is staged but not yet applied.
CREATE TABLE sync_cursor (
    stream        TEXT PRIMARY KEY,
    cursor        TEXT NOT NULL,
    staged_cursor TEXT,
    applied_at    TEXT
);

-- Pulled pages waiting for the last page of their set: applied together, in one transaction.
CREATE TABLE sync_staging (
    stream TEXT    NOT NULL,
    page   INTEGER NOT NULL,
    body   TEXT    NOT NULL,
    PRIMARY KEY (stream, page)
);

-- Availability as pulled: for every store, and this store's own where it differs. A product shows the
-- store's own when there is one.
CREATE TABLE availability_general (
    sku           TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    supplier_date TEXT,
    as_of         TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE availability_store (
    sku           TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    supplier_date TEXT,
    as_of         TEXT NOT NULL
) WITHOUT ROWID;
