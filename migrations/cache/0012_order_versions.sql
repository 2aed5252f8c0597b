-- A placed order may change before dispatch (D8). `orders.body` is the version the desk shows: its
-- own change while the central store has not answered, otherwise the central store's. What the
-- central store last said stands in central_version/central_body, so a refused change goes back to
-- it. Every version made here is kept with what changed and whether the central store took it.
ALTER TABLE orders ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE orders ADD COLUMN central_version INTEGER;
ALTER TABLE orders ADD COLUMN central_body TEXT;
ALTER TABLE orders ADD COLUMN cancel_reason TEXT;

CREATE TABLE order_versions (
    id             INTEGER PRIMARY KEY,
    order_id       TEXT    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    -- The version it was made from, and that version's body: what a refusal goes back to.
    base_version   INTEGER NOT NULL,
    base_body      TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    -- JSON of [skranke_core::order_change::ChangeItem].
    changes        TEXT    NOT NULL,
    changed_at_utc TEXT    NOT NULL,
    changed_by     TEXT    NOT NULL,
    mutation_id    TEXT    NOT NULL UNIQUE,
    -- 'local' until the central store answered; then 'applied' or 'rejected' (with its message).
    state          TEXT    NOT NULL DEFAULT 'local' CHECK (state IN ('local', 'applied', 'rejected')),
    message        TEXT
);
CREATE INDEX order_versions_order ON order_versions (order_id, version);
