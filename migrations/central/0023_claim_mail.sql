-- The customer gets the confirmation of every claim (R1, D10) by e-mail. A mail about one thing of
-- an order (a claim) names it, so a second claim's mail carries its own confirmation.
ALTER TABLE mail_outbox ADD COLUMN subject_id uuid;
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('confirmation', 'shipped', 'changed', 'cancelled', 'exchange', 'claim'));
