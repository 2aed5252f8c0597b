-- A return is paid back when the warehouse has the goods (angrerettloven § 24 lets the seller wait
-- for them): the refund is worked out when the desk registers the return (S2a, with the returns
-- before it) and kept here until the back office marks the goods received.
ALTER TABLE returns
    ADD COLUMN refund_ore        bigint,
    ADD COLUMN refund_lines      jsonb,
    ADD COLUMN goods_received_at timestamptz,
    ADD COLUMN goods_received_by text;

-- Returns registered before this change were refunded at once: they count as received.
UPDATE returns SET goods_received_at = received_at, goods_received_by = 'før mottakskontroll';
