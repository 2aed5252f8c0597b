-- The back office's desk overview (issue 18): when each desk was last heard from (any request, not
-- only a push), the version it runs, and the stores' opening hours, during which a silent desk is
-- a warning.
ALTER TABLE devices
    ADD COLUMN last_contact_at timestamptz,
    ADD COLUMN app_version text;

ALTER TABLE stores
    ADD COLUMN opens time NOT NULL DEFAULT '09:00',
    ADD COLUMN closes time NOT NULL DEFAULT '17:00';
