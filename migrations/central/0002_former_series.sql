-- The series a desk numbered its orders from before it was paired (or under its previous pairing):
-- those orders are still in its outbox and are accepted from this device.
ALTER TABLE devices ADD COLUMN former_series text UNIQUE;
