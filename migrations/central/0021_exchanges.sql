-- An exchange (bytte, R3): a return on the original order and a new order from the desk's series,
-- made in one mutation. The new order's payment is for the difference only: its credit lines (the
-- goods coming back, negative, and a return label the customer pays) are set against its own lines
-- in the payment request and the capture. A refund of the difference waits for the goods, on the
-- return row as any refund does.
CREATE TABLE exchanges (
    new_order_id      uuid PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    original_order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    return_id         uuid NOT NULL UNIQUE,
    terms             jsonb NOT NULL,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL
);
CREATE INDEX exchanges_original ON exchanges (original_order_id);

ALTER TABLE orders ADD COLUMN credit_lines jsonb;

ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('confirmation', 'shipped', 'changed', 'cancelled', 'exchange'));
