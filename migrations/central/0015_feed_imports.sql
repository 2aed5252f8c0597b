-- Feed files uploaded in the back office (issue 18): kept until applied or discarded, with what the
-- import would do (previewed in a rolled-back transaction) and what it did; the history stays.
CREATE TABLE feed_imports (
    id           bigserial PRIMARY KEY,
    file_name    text NOT NULL,
    -- The file itself, until it is applied or discarded.
    content      bytea,
    partial      boolean NOT NULL,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL,
    preview      jsonb,
    error        text,
    applied_by   text,
    applied_at   timestamptz,
    result       jsonb,
    discarded_at timestamptz
);
