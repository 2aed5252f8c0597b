-- A device's token can be revoked (a stolen or retired desk): its requests are refused from then on,
-- and the desk shows that it must be paired again.
ALTER TABLE devices ADD COLUMN revoked_at timestamptz;
