-- F7: consent records, appended and never edited; the customer's current choice is the newest.
-- `customers.marketing_consent` mirrors the newest marketing record.
CREATE TABLE consent_records (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    given         INTEGER NOT NULL,
    at_utc        TEXT NOT NULL,
    staff         TEXT NOT NULL,
    channel       TEXT NOT NULL,
    text_version  INTEGER NOT NULL,
    text          TEXT NOT NULL
);
CREATE INDEX consent_records_customer ON consent_records (customer_id, at_utc);
