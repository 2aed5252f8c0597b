-- When staff dealt with what the central store flagged or refused on an order (called the customer).
ALTER TABLE orders ADD COLUMN attention_done_at TEXT;
