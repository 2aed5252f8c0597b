-- Returns registered at the desk (R3): precious like orders, synced through the outbox.
CREATE TABLE returns (
    id            TEXT    PRIMARY KEY,
    order_id      TEXT    NOT NULL REFERENCES orders (id),
    -- Per order: 1, 2, ... (the slip's file name and heading use it).
    return_no     INTEGER NOT NULL,
    created_at_utc TEXT   NOT NULL,
    -- JSON of skranke_core::ValidReturn.
    body          TEXT    NOT NULL,
    UNIQUE (order_id, return_no)
);

CREATE TABLE return_lines (
    return_id TEXT    NOT NULL REFERENCES returns (id) ON DELETE CASCADE,
    line_no   INTEGER NOT NULL,
    quantity  INTEGER NOT NULL CHECK (quantity > 0),
    reason    TEXT    NOT NULL,
    PRIMARY KEY (return_id, line_no, reason)
) WITHOUT ROWID;
CREATE INDEX return_lines_by_return ON return_lines (return_id);
