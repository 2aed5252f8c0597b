-- Issue 21 item 7: an order stamped by a desk whose clock was off by more than two minutes (placed
-- offline, or before the desk had the central store's time): by how many seconds `placed_at` is
-- behind the true time (negative: ahead). NULL when the clock was right or unknown.
ALTER TABLE orders ADD COLUMN desk_clock_error_seconds bigint;
