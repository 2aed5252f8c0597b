-- Issue 20: notes staff leave on a customer ("ring etter 16"), shown in the customer panel.
CREATE TABLE customer_notes (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    text        TEXT NOT NULL,
    staff       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX customer_notes_customer ON customer_notes (customer_id, id DESC);
