-- What-if scenarios of the planner workspace (#16): a named list of hypothetical changes
-- (stations added, switched off or moved) for one question (kind, as-of date, distance).
-- Never public and never part of the official figures: the snapshots of coverage_snapshots
-- are computed from real stations only. Every insert and update is audited in
-- operations_audit (0014's generic trigger, with the acting user from yizhan.actor);
-- scenarios are archived, never deleted. A name is unique among the active ones.

CREATE TABLE scenarios (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
    kind        text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 40),
    as_of       date NOT NULL,
    distance_m  double precision CHECK (distance_m IS NULL OR distance_m > 0),
    changes     jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(changes) = 'array'),
    note        text CHECK (note IS NULL OR char_length(note) <= 1000),
    archived    boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_by  text NOT NULL DEFAULT 'system',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL DEFAULT 'system',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX scenarios_active_name ON scenarios (name) WHERE NOT archived;

-- Who and when come from the transaction, never from the writer; every real change is a
-- new version (the If-Match of PUT /api/v1/scenarios/{id}).
CREATE FUNCTION scenarios_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.version := 1;
        NEW.created_by := yizhan_actor();
        NEW.updated_by := NEW.created_by;
        NEW.created_at := now();
        NEW.updated_at := now();
    ELSE
        IF NEW IS NOT DISTINCT FROM OLD THEN
            RETURN NULL;  -- nothing changed: no new version, no audit row
        END IF;
        NEW.id := OLD.id;
        NEW.created_by := OLD.created_by;
        NEW.created_at := OLD.created_at;
        NEW.version := OLD.version + 1;
        NEW.updated_by := yizhan_actor();
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER scenarios_before_write BEFORE INSERT OR UPDATE ON scenarios
    FOR EACH ROW EXECUTE FUNCTION scenarios_before_write();
CREATE TRIGGER scenarios_audit AFTER INSERT OR UPDATE ON scenarios
    FOR EACH ROW EXECUTE FUNCTION operations_audit();
CREATE TRIGGER scenarios_no_delete BEFORE DELETE ON scenarios
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
