-- Issue 18 item 1: the back office's named users and their sessions. Passwords are argon2id hashes;
-- a session is known by the SHA-256 of its cookie, never the cookie itself.
CREATE TABLE office_users (
    id              uuid PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    role            text NOT NULL CHECK (role IN ('lager', 'leder')),
    password_argon2 text NOT NULL,
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL
);

CREATE TABLE office_sessions (
    id_sha256    text PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES office_users (id),
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX office_sessions_user ON office_sessions (user_id);
