-- Claims on an order (R1 reklamasjon, D10 transport damage), as the desk recorded them, with the
-- central store's own verdict on time and the names of their photos (table photos). Personal data:
-- exported and forgotten with the customer's orders (F8).
CREATE TABLE claims (
    id          uuid        PRIMARY KEY,
    order_id    uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    claim_no    bigint      NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('reklamasjon', 'transportskade')),
    body        jsonb       NOT NULL,
    -- in_time, judge, late: the central store's verdict (R1, D10) under its own policy.
    verdict     text        NOT NULL,
    verdict_text text       NOT NULL,
    device_id   uuid        NOT NULL,
    received_at timestamptz NOT NULL,
    UNIQUE (order_id, claim_no, device_id)
);
CREATE INDEX claims_order ON claims (order_id);
