-- Issue 20 item 5: units in stock per store for the products that run low, and the units held for an
-- order while its customer pays. Held units are not available to the store's other desks; a hold is
-- consumed when the payment is reserved or taken, and released when the request expires or fails, or
-- the order is cancelled (a hold never outlives its order's wait for payment).
CREATE TABLE stock (
    store_id   text NOT NULL REFERENCES stores (id),
    sku        text NOT NULL REFERENCES products (sku),
    units      integer NOT NULL CHECK (units >= 0),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, sku)
);

CREATE TABLE stock_holds (
    order_id     uuid NOT NULL REFERENCES orders (id),
    line_no      integer NOT NULL,
    store_id     text NOT NULL,
    sku          text NOT NULL,
    units        integer NOT NULL CHECK (units > 0),
    held_at      timestamptz NOT NULL,
    released_at  timestamptz,
    released_why text CHECK (released_why IN ('betalt', 'utløpt', 'kansellert')),
    PRIMARY KEY (order_id, line_no),
    FOREIGN KEY (store_id, sku) REFERENCES stock (store_id, sku)
);
CREATE INDEX stock_holds_active ON stock_holds (store_id, sku) WHERE released_at IS NULL;
