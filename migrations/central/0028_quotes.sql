-- Issue 20 item 6: a quote (tilbud) a desk e-mails to the customer, kept as sent, and its mails.
-- A quote is not an order: it has no status, no payment and no stock hold. Mails about a quote
-- have no order.
CREATE TABLE quotes (
    id            uuid PRIMARY KEY,
    number        text NOT NULL UNIQUE,
    store_id      text NOT NULL REFERENCES stores (id),
    device_id     uuid NOT NULL REFERENCES devices (id),
    made_on       date NOT NULL,
    valid_through date NOT NULL CHECK (valid_through >= made_on),
    body          jsonb NOT NULL,
    received_at   timestamptz NOT NULL
);

ALTER TABLE mail_outbox ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE mail_outbox ADD COLUMN quote_id uuid REFERENCES quotes (id);
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_one_subject CHECK ((order_id IS NULL) <> (quote_id IS NULL));
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_quote_generation UNIQUE (quote_id, generation);
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('confirmation', 'shipped', 'changed', 'cancelled', 'exchange', 'claim', 'quote'));
