-- Issue 20 item 6: the address a quote was last e-mailed to, and when (the mail itself goes through
-- the outbox as a quote_sent mutation).
ALTER TABLE quotes ADD COLUMN sent_to TEXT;
ALTER TABLE quotes ADD COLUMN sent_at TEXT;
