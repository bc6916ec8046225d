-- Changes to the union's targets are audited like station changes: who, why, before and
-- after, written by a trigger in the same transaction, so no writer can skip it.
-- A target may be removed (it is a plan, not a place); its audit rows stay.

CREATE TABLE target_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id   bigint NOT NULL,
    action      text NOT NULL CHECK (action IN ('create', 'update', 'remove')),
    actor       text NOT NULL,
    reason      text,
    at          timestamptz NOT NULL DEFAULT now(),
    before      jsonb,
    after       jsonb
);
CREATE INDEX target_audit_target ON target_audit (target_id, id);

CREATE FUNCTION targets_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO target_audit (target_id, action, actor, reason, after)
        VALUES (NEW.id, 'create', yizhan_actor(),
                nullif(current_setting('yizhan.reason', true), ''), to_jsonb(NEW));
    ELSIF TG_OP = 'UPDATE' THEN
        IF to_jsonb(OLD) IS DISTINCT FROM to_jsonb(NEW) THEN
            INSERT INTO target_audit (target_id, action, actor, reason, before, after)
            VALUES (NEW.id, 'update', yizhan_actor(),
                    nullif(current_setting('yizhan.reason', true), ''),
                    to_jsonb(OLD), to_jsonb(NEW));
        END IF;
    ELSE
        INSERT INTO target_audit (target_id, action, actor, reason, before)
        VALUES (OLD.id, 'remove', yizhan_actor(),
                nullif(current_setting('yizhan.reason', true), ''), to_jsonb(OLD));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER targets_audit AFTER INSERT OR UPDATE OR DELETE ON targets
    FOR EACH ROW EXECUTE FUNCTION targets_audit();
