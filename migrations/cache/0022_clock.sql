-- Issue 21 item 7: how far the central store's clock was from this PC's at the last good sync (the
-- central store minus this PC, in milliseconds), and when that was in the central store's time.
ALTER TABLE device ADD COLUMN clock_offset_ms INTEGER;
ALTER TABLE device ADD COLUMN clock_measured_at TEXT;
