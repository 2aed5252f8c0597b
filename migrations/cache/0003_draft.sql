-- The order being typed, saved as staff type: it survives closing the window, a crash or a power cut.
-- One per desk; placing the order deletes it in the same transaction.
CREATE TABLE draft (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    order_id   TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
