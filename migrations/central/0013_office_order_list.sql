-- The back office's order list (issue 18): newest first, by store, status or payment state, with
-- keyset paging on (placed_at, id); a phone or a name is found among the customers, then their
-- orders by customer. The office benchmark measures these with a million orders.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX orders_placed ON orders (placed_at, id);
CREATE INDEX orders_store_placed ON orders (store_id, placed_at, id);
CREATE INDEX orders_status_placed ON orders (status, placed_at, id);
CREATE INDEX orders_payment_placed ON orders (payment_state, placed_at, id);
CREATE INDEX orders_customer ON orders (customer_id, placed_at);
CREATE INDEX customers_phone ON customers ((body->>'phone'));
CREATE INDEX customers_name ON customers USING gin (lower(body->>'name') gin_trgm_ops);
