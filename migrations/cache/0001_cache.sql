-- The desk's local cache. The catalog can be thrown away and pulled again; customers, orders, the
-- outbox and the device's number series are precious and are never wiped by sync.

CREATE TABLE device (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    device_id     TEXT    NOT NULL,
    -- Order numbers are <series_prefix>-<number, 6 digits>, final when the order is placed.
    series_prefix TEXT    NOT NULL,
    next_number   INTEGER NOT NULL CHECK (next_number >= 1),
    -- Gap-free per-device sequence of outbox mutations.
    next_seq      INTEGER NOT NULL CHECK (next_seq >= 1)
);

CREATE TABLE products (
    id                 INTEGER PRIMARY KEY,
    sku                TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL,
    brand              TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    price_ore          INTEGER NOT NULL CHECK (price_ore >= 0),
    mva_percent        INTEGER NOT NULL CHECK (mva_percent IN (25, 15, 12)),
    availability       TEXT    NOT NULL,
    supplier_date      TEXT,
    availability_as_of TEXT
);

CREATE TABLE product_eans (
    ean        TEXT    PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX product_eans_product ON product_eans (product_id);

-- Contentless: the text lives in products; the index only maps tokens to products.id. Diacritics are
-- kept so that å, ø and æ do not match a and o. The category is not indexed: a category word ("hage")
-- matches a seventh of the catalog and makes every query containing it slow, and staff search by what
-- the customer names, not by our category tree.
CREATE VIRTUAL TABLE products_fts USING fts5 (
    sku, name, brand, eans,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
-- Rank by where the words matched: the name counts most, then brand, then SKU and EAN.
INSERT INTO products_fts (products_fts, rank) VALUES ('rank', 'bm25(3.0, 10.0, 5.0, 3.0)');

CREATE TABLE customers (
    id                TEXT    PRIMARY KEY,
    name              TEXT    NOT NULL,
    phone             TEXT    NOT NULL,
    email             TEXT,
    address_line1     TEXT    NOT NULL,
    address_line2     TEXT    NOT NULL DEFAULT '',
    postcode          TEXT    NOT NULL,
    place             TEXT    NOT NULL,
    marketing_consent INTEGER NOT NULL DEFAULT 0,
    -- Name and e-mail lower-cased in Rust: SQLite's LIKE and lower() fold ASCII only, not Æ Ø Å.
    search_text       TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX customers_phone ON customers (phone);

CREATE TABLE orders (
    -- Chosen by the desk before placing: placing the same order twice is a no-op.
    id             TEXT    PRIMARY KEY,
    order_number   TEXT    NOT NULL UNIQUE,
    customer_id    TEXT    NOT NULL REFERENCES customers (id),
    placed_at_utc  TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'under_behandling',
    payment_method TEXT    NOT NULL,
    shipping_code  TEXT    NOT NULL,
    total_ore      INTEGER NOT NULL,
    customer_name  TEXT    NOT NULL,
    customer_phone TEXT    NOT NULL,
    customer_email TEXT,
    -- Order number and customer name lower-cased in Rust (see customers.search_text).
    search_text    TEXT    NOT NULL,
    -- The order exactly as validated and placed (JSON of skranke_core::ValidOrder, no fødselsnummer).
    body           TEXT    NOT NULL
);
CREATE INDEX orders_placed ON orders (placed_at_utc);
CREATE INDEX orders_phone ON orders (customer_phone);

CREATE TABLE order_lines (
    order_id       TEXT    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no        INTEGER NOT NULL,
    sku            TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_ore INTEGER NOT NULL,
    mva_percent    INTEGER NOT NULL,
    line_total_ore INTEGER NOT NULL,
    availability   TEXT    NOT NULL,
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

-- P3: the fødselsnummer of a faktura/delbetaling order, apart from the order so it can be deleted once
-- the central store has acknowledged the order.
CREATE TABLE order_identity (
    order_id      TEXT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    fodselsnummer TEXT NOT NULL
) WITHOUT ROWID;

-- Mutations waiting for the central store, in the device's gap-free seq order.
CREATE TABLE outbox (
    seq            INTEGER PRIMARY KEY,
    mutation_id    TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL,
    order_id       TEXT    REFERENCES orders (id),
    payload        TEXT    NOT NULL,
    payload_sha256 TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    acked_at       TEXT,
    result         TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE acked_at IS NULL;

CREATE TABLE catalog_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
