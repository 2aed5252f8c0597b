-- What the central store reports about an order's payment request (P5) and confirmation e-mail (R3),
-- as the protocol's JSON; and why a follow-up (resend, another method) was refused.
ALTER TABLE orders ADD COLUMN central_payment TEXT;
ALTER TABLE orders ADD COLUMN central_email TEXT;
ALTER TABLE orders ADD COLUMN followup_message TEXT;
