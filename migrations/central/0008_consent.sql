-- F7: consent records from the desks, appended and never edited (one row per record id).
CREATE TABLE consent_records (
    id            uuid PRIMARY KEY,
    customer_id   uuid NOT NULL REFERENCES customers (id),
    store_id      text NOT NULL,
    purpose       text NOT NULL,
    given         boolean NOT NULL,
    at_utc        timestamptz NOT NULL,
    staff         text NOT NULL,
    channel       text NOT NULL,
    text_version  integer NOT NULL,
    text          text NOT NULL,
    received_at   timestamptz NOT NULL
);
CREATE INDEX consent_records_customer ON consent_records (customer_id, at_utc);
