-- Issue 20 item 1: what a staff member sees of a customer includes the orders placed at the store's
-- other desks, which arrive with the orders stream. They are kept apart from this desk's own orders:
-- nothing here is placed, pushed or changed from this desk, only shown.
CREATE TABLE store_orders (
    id              TEXT    PRIMARY KEY,
    order_number    TEXT    NOT NULL,
    customer_id     TEXT    NOT NULL REFERENCES customers (id),
    placed_at_utc   TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    total_ore       INTEGER NOT NULL,
    central_payment TEXT,
    central_email   TEXT,
    -- The order as the central store holds it (JSON of skranke_core::ValidOrder).
    body            TEXT    NOT NULL
);
CREATE INDEX store_orders_customer ON store_orders (customer_id, placed_at_utc);

-- Issue 20 item 5: the units the store can still sell of a product it counts ("2 igjen").
ALTER TABLE availability_store ADD COLUMN units INTEGER;
ALTER TABLE products ADD COLUMN units_left INTEGER;
