-- The customer at a glance (issue 20): a customer's orders, newest first, without a scan.
CREATE INDEX orders_customer ON orders (customer_id, placed_at_utc DESC);
