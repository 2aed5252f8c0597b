-- Payment requests (P5) and the customer's e-mails (R3), each an outbox worked by the central store:
-- a row is written in the transaction that accepts the order, and a worker sends it, retrying with the
-- same idempotency key (payments) or Message-ID (mail) until the other side has answered.

ALTER TABLE orders
    ADD COLUMN payment_method text,
    ADD COLUMN payment_state  text,
    ADD COLUMN payment_detail text,
    ADD COLUMN email_state    text,
    ADD COLUMN email_to       text,
    ADD COLUMN email_detail   text;

CREATE TABLE payments (
    id                uuid PRIMARY KEY,
    order_id          uuid NOT NULL REFERENCES orders (id),
    -- 1 for the request placed with the order; staff resending or switching method make 2, 3, ...
    attempt           integer NOT NULL,
    method            text NOT NULL,
    provider          text NOT NULL CHECK (provider IN ('vipps', 'klarna')),
    -- Ours, sent to the provider: unique per attempt, ^[a-zA-Z0-9-]{8,64}$.
    reference         text NOT NULL UNIQUE CHECK (reference ~ '^[a-zA-Z0-9-]{8,64}$'),
    state             text NOT NULL,
    amount_ore        bigint NOT NULL CHECK (amount_ore > 0),
    -- Vipps: the reference; Klarna: the Hosted Payment Page session.
    provider_id       text,
    -- Klarna's order, once the customer completed the page: what is captured and refunded.
    provider_order_id text,
    link              text,
    detail            text,
    captured_ore      bigint NOT NULL DEFAULT 0,
    refunded_ore      bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    UNIQUE (order_id, attempt)
);
CREATE INDEX payments_provider_id ON payments (provider, provider_id);

CREATE TABLE payment_jobs (
    id              bigserial PRIMARY KEY,
    payment_id      uuid NOT NULL REFERENCES payments (id),
    kind            text NOT NULL CHECK (kind IN ('create', 'capture', 'refund', 'cancel')),
    amount_ore      bigint,
    -- Sent as Idempotency-Key / Klarna-Idempotency-Key on every try: the provider acts once.
    idempotency_key text NOT NULL UNIQUE,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    done_at         timestamptz,
    last_error      text
);
CREATE INDEX payment_jobs_due ON payment_jobs (next_attempt_at) WHERE done_at IS NULL;

-- Every webhook delivery once: a provider resends on a timeout, and the second changes nothing.
CREATE TABLE provider_events (
    provider    text NOT NULL,
    event_id    text NOT NULL,
    payment_id  uuid REFERENCES payments (id),
    received_at timestamptz NOT NULL,
    body        jsonb NOT NULL,
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE mail_outbox (
    id              bigserial PRIMARY KEY,
    order_id        uuid NOT NULL REFERENCES orders (id),
    kind            text NOT NULL CHECK (kind IN ('confirmation', 'shipped')),
    -- A resend by staff is a new generation; a retry of the same mail is not.
    generation      integer NOT NULL DEFAULT 1,
    recipient       text NOT NULL,
    -- Fixed before the first try: a retry after a lost answer carries the same Message-ID.
    message_id      text NOT NULL UNIQUE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'bounced')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    sent_at         timestamptz,
    last_error      text,
    UNIQUE (order_id, kind, generation)
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state = 'pending';
