-- The central store's own audit log (order status changes by the operator), hash-chained like the
-- desks' logs; `at` is kept as the exact text that was hashed.
CREATE TABLE central_audit (
    seq       bigint PRIMARY KEY,
    at        text NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    subject   text NOT NULL,
    prev_hash text NOT NULL,
    hash      text NOT NULL
);

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'revisjonsloggen kan ikke endres eller slettes';
END
$$;
CREATE TRIGGER central_audit_append_only BEFORE UPDATE OR DELETE ON central_audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
