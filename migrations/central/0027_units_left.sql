-- Issue 20 item 5: the desks see how many units of a counted product their store can still sell
-- (in stock less held), so staff can say "2 igjen" and know a hold matters. NULL for products the
-- store does not count.
ALTER TABLE store_availability ADD COLUMN units integer CHECK (units >= 0);
