-- What a capture or refund is made of (Klarna Order Management's `order_lines`): kept with the job when
-- it is queued, from the order and the return as they were then, so a retry sends the same lines.
ALTER TABLE payment_jobs ADD COLUMN lines jsonb;
