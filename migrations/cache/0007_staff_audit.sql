-- Staff who may log in at this desk (pulled from the central store; a demo desk has its own demo
-- person), their failed PIN attempts, and the desk's append-only, hash-chained audit log.
CREATE TABLE staff (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    -- argon2id PHC string
    pin_hash TEXT NOT NULL,
    active   INTEGER NOT NULL DEFAULT 1,
    -- The demo person of an unpaired desk; removed when the desk is paired.
    demo     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE staff_lockout (
    staff_id     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TEXT
);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    staff_id   TEXT,
    staff_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

-- Append-only through the application. Someone with the file can drop these triggers; the hash
-- chain (and the central store's copy) is what shows that they did.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'revisjonsloggen kan ikke endres');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'revisjonsloggen kan ikke slettes');
END;
