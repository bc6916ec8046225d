-- User administration (#13): every change to an account is audited like a station or a
-- target change: who, when, why, before and after, written by a trigger in the same
-- transaction, so no writer can skip it. Password hashes never enter the audit; a changed
-- hash is recorded as a 'password' row. Accounts also remember their last login.

ALTER TABLE users ADD COLUMN last_login_at timestamptz;

CREATE TABLE user_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL,
    user_name   text NOT NULL,
    action      text NOT NULL
                CHECK (action IN ('create', 'role', 'disable', 'enable', 'password', 'update')),
    actor       text NOT NULL,
    reason      text,
    at          timestamptz NOT NULL DEFAULT now(),
    before      jsonb,
    after       jsonb
);
CREATE INDEX user_audit_user ON user_audit (user_id, id);

CREATE FUNCTION users_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb;
    new_row jsonb := to_jsonb(NEW) - 'password_hash' - 'last_login_at';
    why     text := nullif(current_setting('yizhan.reason', true), '');
    action  text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO user_audit (user_id, user_name, action, actor, reason, after)
        VALUES (NEW.id, NEW.name, 'create', yizhan_actor(), why, new_row);
        RETURN NULL;
    END IF;
    old_row := to_jsonb(OLD) - 'password_hash' - 'last_login_at';
    IF OLD.password_hash IS DISTINCT FROM NEW.password_hash THEN
        INSERT INTO user_audit (user_id, user_name, action, actor, reason, before, after)
        VALUES (NEW.id, NEW.name, 'password', yizhan_actor(), why, old_row, new_row);
    END IF;
    IF old_row IS DISTINCT FROM new_row THEN
        action := CASE
            WHEN OLD.disabled_at IS NULL AND NEW.disabled_at IS NOT NULL THEN 'disable'
            WHEN OLD.disabled_at IS NOT NULL AND NEW.disabled_at IS NULL THEN 'enable'
            WHEN OLD.role IS DISTINCT FROM NEW.role
                 AND old_row - 'role' = new_row - 'role' THEN 'role'
            ELSE 'update' END;
        INSERT INTO user_audit (user_id, user_name, action, actor, reason, before, after)
        VALUES (NEW.id, NEW.name, action, yizhan_actor(), why, old_row, new_row);
    END IF;
    RETURN NULL;
END
$$;

-- Only a login's time changed: no audit row (a login is not a change to the account).
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_audit();

-- Accounts are disabled, never deleted: the audit's names must keep resolving.
CREATE FUNCTION users_no_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'users are disabled, never deleted (user %)', OLD.name;
END
$$;
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_no_delete();
