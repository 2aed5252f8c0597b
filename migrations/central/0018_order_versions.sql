-- A placed order may change before dispatch (D8). The order row holds the version that stands;
-- every version, the first included, is kept as it was confirmed to the customer, with what changed
-- and who changed it. A cancellation keeps its reason and who took it.
ALTER TABLE orders
    ADD COLUMN version       int NOT NULL DEFAULT 1,
    ADD COLUMN cancel_reason text,
    ADD COLUMN cancelled_by  text;

CREATE TABLE order_versions (
    order_id    uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    version     int NOT NULL CHECK (version >= 1),
    body        jsonb NOT NULL,
    changes     jsonb NOT NULL DEFAULT '[]',
    reprice     boolean NOT NULL DEFAULT false,
    changed_at  timestamptz NOT NULL,
    changed_by  text,
    device_id   uuid,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (order_id, version)
);

-- The customer is told of every change and of a cancellation. A change mail not yet sent when a
-- newer change arrives is superseded: the customer gets the version that stands, once.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('confirmation', 'shipped', 'changed', 'cancelled'));
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_state_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_state_check
    CHECK (state IN ('pending', 'sent', 'bounced', 'superseded'));
