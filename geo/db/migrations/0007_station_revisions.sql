-- Revisions: a change that field staff propose to a published station. The public keeps
-- seeing the approved station until a reviewer approves the revision, which then applies
-- it as one audited station update. A temporary closure reported from the street goes
-- live at once (applied = true) and still waits here for a reviewer to confirm or undo it.
--
-- A revision is never deleted and, once decided, never changed: the row itself is the
-- record of who proposed what, who decided and why; a trigger enforces both.

CREATE TABLE station_revisions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id    bigint NOT NULL REFERENCES stations (id),
    kind          text NOT NULL CHECK (kind IN ('edit', 'status')),
    base_version  integer NOT NULL,
    -- field -> proposed value (JSON; a position as lon/lat in WGS-84)
    changes       jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object' AND changes <> '{}'),
    -- field -> the published value when the revision was proposed
    before        jsonb NOT NULL CHECK (jsonb_typeof(before) = 'object'),
    applied       boolean NOT NULL DEFAULT false,
    state         text NOT NULL DEFAULT 'pending' CHECK (state IN
                      ('pending', 'approved', 'rejected', 'withdrawn')),
    reason        text CHECK (reason IS NULL OR char_length(reason) <= 500),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_by    text,
    decided_at    timestamptz,
    comment       text CHECK (comment IS NULL OR char_length(comment) <= 500),
    CONSTRAINT station_revisions_decided CHECK (
        (state = 'pending') = (decided_by IS NULL AND decided_at IS NULL))
);
CREATE INDEX station_revisions_pending ON station_revisions (created_at, id)
    WHERE state = 'pending';
CREATE INDEX station_revisions_station ON station_revisions (station_id, id);
CREATE INDEX station_revisions_creator ON station_revisions (created_by, id);

CREATE FUNCTION station_revisions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'revisions are never deleted: withdraw or reject them instead'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.state <> 'pending' THEN
        RAISE EXCEPTION 'revision % was already decided (%)', OLD.id, OLD.state
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.station_id, NEW.kind, NEW.base_version, NEW.changes, NEW.before, NEW.applied,
        NEW.reason, NEW.created_by, NEW.created_at)
       IS DISTINCT FROM
       (OLD.station_id, OLD.kind, OLD.base_version, OLD.changes, OLD.before, OLD.applied,
        OLD.reason, OLD.created_by, OLD.created_at) THEN
        RAISE EXCEPTION 'a revision''s proposal is never changed, only decided'
            USING ERRCODE = 'restrict_violation';
    END IF;
    NEW.decided_by := yizhan_actor();
    NEW.decided_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER station_revisions_guard BEFORE UPDATE OR DELETE ON station_revisions
    FOR EACH ROW EXECUTE FUNCTION station_revisions_guard();

CREATE FUNCTION station_revisions_creator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_by := yizhan_actor();
    NEW.created_at := now();
    NEW.state := 'pending';
    NEW.decided_by := NULL;
    NEW.decided_at := NULL;
    RETURN NEW;
END $$;

CREATE TRIGGER station_revisions_creator BEFORE INSERT ON station_revisions
    FOR EACH ROW EXECUTE FUNCTION station_revisions_creator();
