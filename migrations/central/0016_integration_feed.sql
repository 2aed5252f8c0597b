-- The shop's other systems (issue 18 item 4): every order event once, written in the transaction
-- that made it (an outbox), read in (txid, seq) order below the oldest running transaction, like
-- the desks' pull, so no reader skips an event that commits late. Webhook endpoints keep their own
-- cursor (delivered in order, retried with backoff) and a log of every attempt; the pull API has
-- tokens of its own.
CREATE TABLE integration_events (
    seq          bigserial PRIMARY KEY,
    txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id     uuid NOT NULL UNIQUE,
    order_id     uuid NOT NULL,
    order_number text NOT NULL,
    kind         text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    body         jsonb NOT NULL
);
CREATE INDEX integration_events_cursor ON integration_events (txid, seq);

CREATE TABLE webhook_endpoints (
    id              bigserial PRIMARY KEY,
    url             text NOT NULL UNIQUE,
    -- Signs every delivery (HMAC-SHA256); shown once when the endpoint is added.
    secret          text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL,
    cursor_txid     xid8 NOT NULL DEFAULT '0',
    cursor_seq      bigint NOT NULL DEFAULT 0,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL
);

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    endpoint_id  bigint NOT NULL REFERENCES webhook_endpoints (id),
    event_id     uuid NOT NULL,
    kind         text NOT NULL,
    order_number text NOT NULL,
    at           timestamptz NOT NULL,
    -- The receiver's HTTP status; absent when it never answered.
    status       integer,
    error        text,
    millis       integer NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);

CREATE TABLE integration_tokens (
    token_sha256 text PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    scope        text NOT NULL CHECK (scope IN ('orders:read')),
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
