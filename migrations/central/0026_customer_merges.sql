-- Issue 20 item 3: two records of one customer merged into one. The record merged away is kept here
-- as it was, so nothing is lost; a desk that still sends the old id (it was offline) is mapped to the
-- one kept.
CREATE TABLE customer_merges (
    from_id   uuid PRIMARY KEY,
    into_id   uuid NOT NULL REFERENCES customers (id),
    store_id  text NOT NULL REFERENCES stores (id),
    from_body jsonb NOT NULL,
    merged_at timestamptz NOT NULL,
    merged_by text NOT NULL
);
CREATE INDEX customer_merges_into ON customer_merges (into_id);
