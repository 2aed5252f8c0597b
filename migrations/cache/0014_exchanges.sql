-- An exchange (bytte, R3): a return on the original order and a new order from this desk's series,
-- written in one transaction with one outbox entry (`exchange_registered`). The terms are what the
-- slip and the desk show: the credit, the new total, a return label, and how it is settled.
CREATE TABLE exchanges (
    new_order_id      TEXT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    original_order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    return_id         TEXT NOT NULL UNIQUE,
    -- JSON of skranke_core::exchange::ExchangeTerms.
    terms             TEXT NOT NULL,
    created_at_utc    TEXT NOT NULL
);
CREATE INDEX exchanges_original ON exchanges (original_order_id);
