-- After a capture of less than was reserved (an order made cheaper before dispatch), the rest of the
-- reservation is given back: Vipps' cancel after a partial capture, Klarna's
-- release-remaining-authorization.
ALTER TABLE payment_jobs DROP CONSTRAINT payment_jobs_kind_check;
ALTER TABLE payment_jobs ADD CONSTRAINT payment_jobs_kind_check
    CHECK (kind IN ('create', 'distribute', 'capture', 'refund', 'cancel', 'release', 'release_rest'));
