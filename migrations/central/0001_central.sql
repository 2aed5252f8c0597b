-- The central store. Every row a desk pulls carries (sync_txid, sync_seq), stamped by a trigger on
-- every insert and update: the pull cursor is that pair, and a reader only reads rows whose transaction
-- is older than the oldest one still running (pg_snapshot_xmin), so a transaction that commits after
-- one with a later sequence number is never skipped (ARCHITECTURE.md, "Pull cursor").

CREATE SEQUENCE sync_seq;

CREATE FUNCTION stamp_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sync_txid := pg_current_xact_id();
    NEW.sync_seq := nextval('sync_seq');
    RETURN NEW;
END
$$;

CREATE TABLE stores (
    id             text PRIMARY KEY CHECK (id ~ '^[A-Z][A-Z0-9]{1,7}$'),
    name           text NOT NULL,
    -- Devices are numbered per store; the n-th device's order series is <id><n>.
    next_device_no integer NOT NULL DEFAULT 1
);

CREATE TABLE devices (
    id              uuid PRIMARY KEY,
    store_id        text NOT NULL REFERENCES stores (id),
    name            text NOT NULL,
    series          text NOT NULL UNIQUE,
    -- SHA-256 of the bearer token: the token itself is shown once, at pairing.
    token_sha256    text NOT NULL UNIQUE,
    -- The highest mutation seq processed; advanced in the transaction that applies the mutation.
    last_seq        bigint NOT NULL DEFAULT 0,
    paired_at       timestamptz NOT NULL,
    last_seen_at    timestamptz,
    queue_pending   integer,
    queue_oldest_at timestamptz
);

CREATE TABLE pairing_codes (
    code_sha256 text PRIMARY KEY,
    store_id    text NOT NULL REFERENCES stores (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    device_id   uuid REFERENCES devices (id)
);

CREATE TABLE products (
    sku         text PRIMARY KEY,
    name        text NOT NULL,
    brand       text NOT NULL,
    category    text NOT NULL,
    price_ore   bigint NOT NULL CHECK (price_ore >= 0),
    mva_percent smallint NOT NULL CHECK (mva_percent IN (25, 15, 12)),
    eans        text[] NOT NULL,
    -- A tombstone: the desks delete the product when they pull this.
    deleted     boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL,
    sync_txid   xid8 NOT NULL,
    sync_seq    bigint NOT NULL
);
CREATE INDEX products_sync ON products (sync_txid, sync_seq);
CREATE TRIGGER products_sync BEFORE INSERT OR UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION stamp_sync();

-- Availability for every store (A1 codes).
CREATE TABLE availability (
    sku           text PRIMARY KEY REFERENCES products (sku),
    status        text NOT NULL,
    supplier_date date,
    as_of         timestamptz NOT NULL,
    deleted       boolean NOT NULL DEFAULT false,
    sync_txid     xid8 NOT NULL,
    sync_seq      bigint NOT NULL
);
CREATE INDEX availability_sync ON availability (sync_txid, sync_seq);
CREATE TRIGGER availability_sync BEFORE INSERT OR UPDATE ON availability
    FOR EACH ROW EXECUTE FUNCTION stamp_sync();

-- A store's own availability where it differs from the general one.
CREATE TABLE store_availability (
    store_id      text NOT NULL REFERENCES stores (id),
    sku           text NOT NULL REFERENCES products (sku),
    status        text NOT NULL,
    supplier_date date,
    as_of         timestamptz NOT NULL,
    deleted       boolean NOT NULL DEFAULT false,
    sync_txid     xid8 NOT NULL,
    sync_seq      bigint NOT NULL,
    PRIMARY KEY (store_id, sku)
);
CREATE INDEX store_availability_sync ON store_availability (store_id, sync_txid, sync_seq);
CREATE TRIGGER store_availability_sync BEFORE INSERT OR UPDATE ON store_availability
    FOR EACH ROW EXECUTE FUNCTION stamp_sync();

CREATE TABLE customers (
    id         uuid PRIMARY KEY,
    store_id   text NOT NULL REFERENCES stores (id),
    body       jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE orders (
    id              uuid PRIMARY KEY,
    number          text NOT NULL UNIQUE,
    store_id        text NOT NULL REFERENCES stores (id),
    device_id       uuid NOT NULL REFERENCES devices (id),
    customer_id     uuid NOT NULL REFERENCES customers (id),
    placed_at       timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'under_behandling',
    tracking_number text,
    total_ore       bigint NOT NULL,
    -- The order exactly as the desk validated and quoted it: the quoted prices are the contract.
    body            jsonb NOT NULL,
    -- What changed between the quote and acceptance (price, stock), as protocol flags.
    flags           jsonb NOT NULL DEFAULT '[]',
    updated_at      timestamptz NOT NULL,
    sync_txid       xid8 NOT NULL,
    sync_seq        bigint NOT NULL
);
CREATE INDEX orders_sync ON orders (store_id, sync_txid, sync_seq);
CREATE TRIGGER orders_sync BEFORE INSERT OR UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION stamp_sync();

CREATE TABLE order_status_history (
    order_id        uuid NOT NULL REFERENCES orders (id),
    at              timestamptz NOT NULL,
    status          text NOT NULL,
    tracking_number text,
    set_by          text NOT NULL
);
CREATE INDEX order_status_history_order ON order_status_history (order_id, at);

CREATE TABLE returns (
    id          uuid PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id),
    return_no   bigint NOT NULL,
    body        jsonb NOT NULL,
    received_at timestamptz NOT NULL,
    UNIQUE (order_id, return_no)
);

-- Every processed mutation and its result, kept for good: a replay months later gets the same answer.
CREATE TABLE mutations (
    device_id      uuid NOT NULL REFERENCES devices (id),
    seq            bigint NOT NULL,
    mutation_id    uuid NOT NULL,
    kind           text NOT NULL,
    payload_sha256 text NOT NULL,
    outcome        text NOT NULL,
    result         jsonb NOT NULL,
    received_at    timestamptz NOT NULL,
    PRIMARY KEY (device_id, seq)
);
