-- Issue 21 item 3: rate limits hold across every central-store instance that shares this database.
-- One row per limited key (a device, or pairing as a whole) with its GCRA "theoretical arrival time":
-- a request is let in when, after adding one emission interval, the time is at most one burst ahead
-- of now. UNLOGGED: after a PostgreSQL crash the table is emptied, which gives every desk a full
-- burst again; that is harmless, and it spares every request a WAL write.
CREATE UNLOGGED TABLE rate_limits (
    key text PRIMARY KEY,
    tat timestamptz NOT NULL
);
