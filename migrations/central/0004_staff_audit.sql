-- Staff who log in at the desks with a PIN (argon2id hashes, pulled by the store's desks), and the
-- desks' hash-chained audit logs as they arrive.

CREATE TABLE staff (
    id         uuid PRIMARY KEY,
    store_id   text NOT NULL REFERENCES stores (id),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    pin_argon2 text NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL,
    sync_txid  xid8 NOT NULL,
    sync_seq   bigint NOT NULL,
    UNIQUE (store_id, name)
);
CREATE INDEX staff_sync ON staff (store_id, sync_txid, sync_seq);
CREATE TRIGGER staff_sync BEFORE INSERT OR UPDATE ON staff
    FOR EACH ROW EXECUTE FUNCTION stamp_sync();

-- A desk's audit log, entry by entry, each with the hash of the one before: the chain is checked as
-- entries arrive, and a break is recorded, never repaired.
CREATE TABLE audit_log (
    device_id   uuid NOT NULL REFERENCES devices (id),
    seq         bigint NOT NULL,
    at          timestamptz NOT NULL,
    staff_id    uuid,
    staff_name  text NOT NULL,
    action      text NOT NULL,
    subject     text NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    chain_ok    boolean NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (device_id, seq)
);
