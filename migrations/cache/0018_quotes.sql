-- Issue 20: quotes (tilbud). A draft saved with its prices for a time; turned into an order once.
CREATE TABLE quotes (
    id            TEXT PRIMARY KEY,
    -- <series>-T<n>: the desk's own series, so two desks never give the same number.
    number        TEXT NOT NULL UNIQUE,
    made_at       TEXT NOT NULL,
    -- The last day the prices hold (YYYY-MM-DD).
    valid_through TEXT NOT NULL,
    -- Sealed JSON: the draft and the quote as priced (personal data, like the draft).
    body          TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    total_ore     INTEGER NOT NULL,
    -- The order it became, once.
    converted_to  TEXT
);
