-- Issue 21 item 1: the catalog as one gzip file of JSON lines at a cursor, for a new desk's first
-- sync. Kept in the database, not on an instance's disk, so either instance behind the address
-- serves the same file and a cut download resumes on any of them.
CREATE TABLE catalog_snapshots (
    id                  uuid        PRIMARY KEY,
    created_at          timestamptz NOT NULL,
    catalog_cursor      text        NOT NULL,
    availability_cursor text        NOT NULL,
    products            bigint      NOT NULL,
    sha256              text        NOT NULL,
    data                bytea       NOT NULL
);
-- Already compressed: stored out of line as is, so a range is read without inflating the whole.
ALTER TABLE catalog_snapshots ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX catalog_snapshots_created ON catalog_snapshots (created_at DESC);
