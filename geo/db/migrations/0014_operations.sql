-- Operations (issue 15): is a station really open and serving? Problems reported by the
-- public or found by staff, inspections against the station standard, check-ins from the
-- station's QR code, visitor counts kept on paper, and the photos that go with them.
--
-- Nothing here is ever deleted (a trigger refuses it); every insert and update writes a
-- row to operations_audit in the same transaction, with the acting user from
-- yizhan.actor. Phone numbers and photo bytes are never copied into the audit: a phone is
-- personal data that is erased after a retention period (an update setting it NULL), and
-- the audit must not keep it.

-- ---------------------------------------------------------------------------------------
-- Photos: re-encoded by geo/photos.py (JPEG, metadata stripped, size capped) before they
-- get here, so the database holds nothing a phone's camera wrote about the person.
-- ---------------------------------------------------------------------------------------
CREATE TABLE photos (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type  text NOT NULL CHECK (content_type = 'image/jpeg'),
    width         integer NOT NULL CHECK (width > 0),
    height        integer NOT NULL CHECK (height > 0),
    bytes         bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 5000000),
    created_by    text NOT NULL DEFAULT 'system',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------
-- Problems: a report from the public (source 'public', no login), an item an inspection
-- found failing (source 'inspection') or one staff enter (source 'staff').
-- Lifecycle: new -> confirmed | dismissed; confirmed -> fixed. Only confirmed problems are
-- ever shown to the public. Reports of the same station and category while one is new or
-- confirmed are collapsed into it (reports + 1, last_reported_at).
-- ---------------------------------------------------------------------------------------
CREATE TABLE station_problems (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    receipt           text NOT NULL UNIQUE CHECK (char_length(receipt) BETWEEN 4 AND 40),
    station_id        bigint NOT NULL REFERENCES stations (id),
    category          text NOT NULL CHECK (category IN
                          ('closed', 'not_open_at_hours', 'service_missing',
                           'dirty_or_broken', 'other')),
    -- which service is missing (a services code), for category service_missing
    service           text CHECK (service IS NULL OR category = 'service_missing'),
    details           text CHECK (details IS NULL OR char_length(details) <= 500),
    photo_id          bigint REFERENCES photos (id),
    -- optional contact of the reporter; masked in every view, set NULL after retention
    phone             text CHECK (phone IS NULL OR char_length(phone) <= 30),
    source            text NOT NULL DEFAULT 'public' CHECK (source IN
                          ('public', 'inspection', 'staff')),
    inspection_id     bigint,  -- the inspection that found it (source 'inspection')
    -- a keyed hash of the reporting client (never its address): abuse limits only
    client_hash       text,
    reports           integer NOT NULL DEFAULT 1 CHECK (reports >= 1),
    state             text NOT NULL DEFAULT 'new' CHECK (state IN
                          ('new', 'confirmed', 'dismissed', 'fixed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_reported_at  timestamptz NOT NULL DEFAULT now(),
    decided_by        text,         -- who confirmed or dismissed
    decided_at        timestamptz,
    resolved_by       text,         -- who marked it fixed
    resolved_at       timestamptz,  -- fixed or dismissed: time to resolve = this - created_at
    comment           text CHECK (comment IS NULL OR char_length(comment) <= 500),
    -- a confirmed 'closed' set the station temporarily closed (its own audit row says when)
    closed_station    boolean NOT NULL DEFAULT false,
    CONSTRAINT station_problems_resolved CHECK (
        (state IN ('fixed', 'dismissed')) = (resolved_at IS NOT NULL))
);
CREATE INDEX station_problems_station ON station_problems (station_id, id);
CREATE INDEX station_problems_open ON station_problems (state, created_at)
    WHERE state IN ('new', 'confirmed');
CREATE INDEX station_problems_client ON station_problems (client_hash, last_reported_at)
    WHERE client_hash IS NOT NULL;

-- ---------------------------------------------------------------------------------------
-- Inspections (巡查): a staff visit with the checklist of the station standard.
-- checklist: [{"item": code, "ok": true|false|null (not checked), "note": text}, ...]
-- ---------------------------------------------------------------------------------------
CREATE TABLE station_inspections (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id     bigint NOT NULL REFERENCES stations (id),
    inspected_at   timestamptz NOT NULL DEFAULT now(),
    inspector      text NOT NULL DEFAULT 'system',
    standard       text NOT NULL,  -- the name/version of the checklist used
    checklist      jsonb NOT NULL CHECK (jsonb_typeof(checklist) = 'array'),
    -- whether the station was open at its published hours when visited (null: not checked)
    open_at_hours  boolean,
    passed         boolean NOT NULL,  -- every checked item ok
    -- where the inspector's phone was (WGS-84) and how far from the station (metres)
    lon            double precision CHECK (lon IS NULL OR lon BETWEEN -180 AND 180),
    lat            double precision CHECK (lat IS NULL OR lat BETWEEN -90 AND 90),
    accuracy_m     double precision CHECK (accuracy_m IS NULL OR accuracy_m >= 0),
    distance_m     double precision CHECK (distance_m IS NULL OR distance_m >= 0),
    comment        text CHECK (comment IS NULL OR char_length(comment) <= 1000),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX station_inspections_station ON station_inspections (station_id, inspected_at);

ALTER TABLE station_problems ADD CONSTRAINT station_problems_inspection
    FOREIGN KEY (inspection_id) REFERENCES station_inspections (id);

CREATE TABLE inspection_photos (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inspection_id  bigint NOT NULL REFERENCES station_inspections (id),
    photo_id       bigint NOT NULL REFERENCES photos (id),
    item           text,  -- the checklist item the photo shows, if any
    UNIQUE (inspection_id, photo_id)
);

-- The last time staff verified a station on the spot (any inspection).
CREATE VIEW station_last_verified AS
    SELECT station_id, max(inspected_at) AS verified_at
    FROM station_inspections GROUP BY station_id;

-- ---------------------------------------------------------------------------------------
-- Check-ins (我在这里歇脚) from the station's QR page, and visitor counts kept on paper.
-- ---------------------------------------------------------------------------------------
CREATE TABLE station_checkins (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id   bigint NOT NULL REFERENCES stations (id),
    at           timestamptz NOT NULL DEFAULT now(),
    day          date NOT NULL,  -- the city's day of `at`
    occupation   text CHECK (occupation IS NULL OR occupation IN
                     ('delivery_rider', 'courier', 'sanitation', 'driver', 'other')),
    -- keyed hashes of the device token and of the client: limits only, never shown
    device_hash  text NOT NULL,
    client_hash  text
);
CREATE INDEX station_checkins_station_day ON station_checkins (station_id, day);
CREATE INDEX station_checkins_device ON station_checkins (device_hash, station_id, at);

CREATE TABLE station_usage (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id  bigint NOT NULL REFERENCES stations (id),
    day         date NOT NULL,
    visitors    integer NOT NULL CHECK (visitors BETWEEN 0 AND 100000),
    -- visitors by occupation, when the paper sheet says ({"courier": 3, ...})
    by_occupation jsonb CHECK (by_occupation IS NULL OR jsonb_typeof(by_occupation) = 'object'),
    note        text CHECK (note IS NULL OR char_length(note) <= 500),
    entered_by  text NOT NULL DEFAULT 'system',
    entered_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (station_id, day)  -- a correction updates the day's row (audited)
);

-- ---------------------------------------------------------------------------------------
-- Audit and no deletes, for every table above.
-- ---------------------------------------------------------------------------------------
CREATE TABLE operations_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text NOT NULL,
    row_id      bigint NOT NULL,
    action      text NOT NULL CHECK (action IN ('create', 'update')),
    actor       text NOT NULL,
    reason      text,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    before      jsonb,
    after       jsonb
);
CREATE INDEX operations_audit_row ON operations_audit (table_name, row_id, id);

-- A row as the audit keeps it: without personal data (phone), photo bytes or device keys.
CREATE FUNCTION operations_audit_row(r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT r - 'phone' - 'bytes' - 'device_hash' - 'client_hash'
        || CASE WHEN r ? 'phone' THEN jsonb_build_object('has_phone', r->'phone' <> 'null'::jsonb)
                ELSE '{}'::jsonb END
$$;

CREATE FUNCTION operations_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO operations_audit (table_name, row_id, action, actor, reason, before, after)
        VALUES (TG_TABLE_NAME, NEW.id, 'create', yizhan_actor(),
                nullif(current_setting('yizhan.reason', true), ''),
                NULL, operations_audit_row(to_jsonb(NEW)));
    ELSE
        IF to_jsonb(NEW) IS NOT DISTINCT FROM to_jsonb(OLD) THEN
            RETURN NEW;
        END IF;
        INSERT INTO operations_audit (table_name, row_id, action, actor, reason, before, after)
        VALUES (TG_TABLE_NAME, NEW.id, 'update', yizhan_actor(),
                nullif(current_setting('yizhan.reason', true), ''),
                operations_audit_row(to_jsonb(OLD)), operations_audit_row(to_jsonb(NEW)));
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION operations_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER photos_audit AFTER INSERT OR UPDATE ON photos
    FOR EACH ROW EXECUTE FUNCTION operations_audit();
CREATE TRIGGER station_problems_audit AFTER INSERT OR UPDATE ON station_problems
    FOR EACH ROW EXECUTE FUNCTION operations_audit();
CREATE TRIGGER station_inspections_audit AFTER INSERT OR UPDATE ON station_inspections
    FOR EACH ROW EXECUTE FUNCTION operations_audit();
CREATE TRIGGER inspection_photos_audit AFTER INSERT OR UPDATE ON inspection_photos
    FOR EACH ROW EXECUTE FUNCTION operations_audit();
CREATE TRIGGER station_checkins_audit AFTER INSERT OR UPDATE ON station_checkins
    FOR EACH ROW EXECUTE FUNCTION operations_audit();
CREATE TRIGGER station_usage_audit AFTER INSERT OR UPDATE ON station_usage
    FOR EACH ROW EXECUTE FUNCTION operations_audit();

CREATE TRIGGER photos_no_delete BEFORE DELETE ON photos
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
CREATE TRIGGER station_problems_no_delete BEFORE DELETE ON station_problems
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
CREATE TRIGGER station_inspections_no_delete BEFORE DELETE ON station_inspections
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
CREATE TRIGGER inspection_photos_no_delete BEFORE DELETE ON inspection_photos
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
CREATE TRIGGER station_checkins_no_delete BEFORE DELETE ON station_checkins
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
CREATE TRIGGER station_usage_no_delete BEFORE DELETE ON station_usage
    FOR EACH ROW EXECUTE FUNCTION operations_no_delete();
