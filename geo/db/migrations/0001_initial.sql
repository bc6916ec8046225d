-- Yizhan initial schema: stations with audit, districts, streets, walk network, targets.
-- Geometries are WGS-84 (EPSG:4326) with GiST indexes; every distance and length is metres.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;

-- ---------------------------------------------------------------------------------------
-- Stations
-- ---------------------------------------------------------------------------------------
CREATE TABLE stations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('love_station', 'mother_baby_room', 'worker_bookshop')),
    name            text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
    address         text CHECK (address IS NULL OR char_length(address) <= 200),
    geom            geometry(Point, 4326) NOT NULL,
    district        text,
    level           text CHECK (level IS NULL OR level IN ('city', 'district', 'street')),
    host_org        text,
    phone           text,
    opening_hours   text,
    services        text[] NOT NULL DEFAULT '{}' CHECK (services <@ ARRAY[
                        'drinking_water', 'hot_water', 'heating', 'cooling', 'rest_seats',
                        'toilet', 'microwave', 'phone_charging', 'first_aid', 'wifi', 'umbrella',
                        'repair_tools', 'books', 'nursing_chair', 'changing_table',
                        'ebike_charging', 'lockers']::text[]),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN
                        ('planned', 'under_construction', 'open', 'temporarily_closed', 'closed')),
    review_state    text NOT NULL DEFAULT 'approved' CHECK (review_state IN
                        ('approved', 'pending_review', 'rejected')),
    opened_on       date,
    closed_on       date,
    is_demo         boolean NOT NULL DEFAULT false,
    source          text,
    external_id     text,
    version         integer NOT NULL DEFAULT 1,
    created_by      text NOT NULL DEFAULT 'system',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text NOT NULL DEFAULT 'system',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stations_closed_after_opened CHECK (
        closed_on IS NULL OR opened_on IS NULL OR closed_on >= opened_on),
    CONSTRAINT stations_lonlat_range CHECK (
        ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90),
    CONSTRAINT stations_source_id UNIQUE (source, external_id)
);
CREATE INDEX stations_geom_gist ON stations USING gist (geom);
CREATE INDEX stations_geog_gist ON stations USING gist ((geom::geography));
CREATE INDEX stations_kind_status ON stations (kind, status);

-- Every change to a station writes an audit row in the same transaction. The acting
-- user comes from the transaction-local setting yizhan.actor (set by the application).
CREATE TABLE station_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id  bigint NOT NULL,
    action      text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    actor       text NOT NULL,
    reason      text,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    version     integer,
    before      jsonb,
    after       jsonb
);
CREATE INDEX station_audit_station ON station_audit (station_id, id);

CREATE FUNCTION yizhan_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('yizhan.actor', true), ''), 'system')
$$;

CREATE FUNCTION stations_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER stations_before_write BEFORE INSERT OR UPDATE ON stations
    FOR EACH ROW EXECUTE FUNCTION stations_before_write();

CREATE FUNCTION stations_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO station_audit (station_id, action, actor, reason, version, before, after)
        VALUES (NEW.id, 'create', yizhan_actor(), nullif(current_setting('yizhan.reason', true), ''),
                NEW.version, NULL, to_jsonb(NEW) - 'geom' || jsonb_build_object(
                    'lon', ST_X(NEW.geom), 'lat', ST_Y(NEW.geom)));
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO station_audit (station_id, action, actor, reason, version, before, after)
        VALUES (NEW.id, 'update', yizhan_actor(), nullif(current_setting('yizhan.reason', true), ''),
                NEW.version,
                to_jsonb(OLD) - 'geom' || jsonb_build_object('lon', ST_X(OLD.geom), 'lat', ST_Y(OLD.geom)),
                to_jsonb(NEW) - 'geom' || jsonb_build_object('lon', ST_X(NEW.geom), 'lat', ST_Y(NEW.geom)));
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'stations are never deleted: set status to closed instead'
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER stations_audit AFTER INSERT OR UPDATE ON stations
    FOR EACH ROW EXECUTE FUNCTION stations_audit();
CREATE TRIGGER stations_no_delete BEFORE DELETE ON stations
    FOR EACH ROW EXECUTE FUNCTION stations_audit();

-- ---------------------------------------------------------------------------------------
-- Districts and streets
-- ---------------------------------------------------------------------------------------
CREATE TABLE districts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    code        text,
    is_key      boolean NOT NULL DEFAULT false,
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    area_m2     double precision NOT NULL,
    source      text,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX districts_geom_gist ON districts USING gist (geom);

CREATE TABLE streets (
    id          bigint PRIMARY KEY,
    name        text,
    names       text[] NOT NULL DEFAULT '{}',
    highway     text NOT NULL,
    highway_all text[] NOT NULL DEFAULT '{}',
    is_main     boolean NOT NULL DEFAULT false,
    walkable    boolean NOT NULL DEFAULT true,
    oneway      boolean,
    osm_id      text,
    length_m    double precision NOT NULL CHECK (length_m >= 0),
    geom        geometry(LineString, 4326) NOT NULL,
    source      text
);
CREATE INDEX streets_geom_gist ON streets USING gist (geom);
CREATE INDEX streets_main ON streets (is_main) WHERE is_main;

-- The walk network: streets a pedestrian may use, noded at intersections. Column names
-- follow pgRouting's conventions (id, source, target) so its functions read it directly.
CREATE TABLE walk_nodes (
    id      bigint PRIMARY KEY,
    geom    geometry(Point, 4326) NOT NULL
);
CREATE INDEX walk_nodes_geom_gist ON walk_nodes USING gist (geom);

CREATE TABLE walk_edges (
    id          bigint PRIMARY KEY,
    source      bigint NOT NULL REFERENCES walk_nodes (id),
    target      bigint NOT NULL REFERENCES walk_nodes (id),
    street_id   bigint REFERENCES streets (id) ON DELETE CASCADE,
    length_m    double precision NOT NULL CHECK (length_m >= 0),
    geom        geometry(LineString, 4326) NOT NULL
);
CREATE INDEX walk_edges_geom_gist ON walk_edges USING gist (geom);
CREATE INDEX walk_edges_source ON walk_edges (source);
CREATE INDEX walk_edges_target ON walk_edges (target);

-- ---------------------------------------------------------------------------------------
-- Targets (e.g. full main-street coverage by 2026-12-31; 20 bookshops in 2026)
-- ---------------------------------------------------------------------------------------
CREATE TABLE targets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('love_station', 'mother_baby_room', 'worker_bookshop')),
    metric      text NOT NULL CHECK (metric IN
                    ('main_street_coverage', 'key_district_coverage', 'new_stations')),
    value       double precision NOT NULL CHECK (value >= 0),
    starts_on   date,
    deadline    date NOT NULL,
    note        text,
    UNIQUE (kind, metric, deadline)
);

-- ---------------------------------------------------------------------------------------
-- Bulk loads (streets, districts, station files) are audited too.
-- ---------------------------------------------------------------------------------------
CREATE TABLE import_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    what        text NOT NULL,
    file        text NOT NULL,
    actor       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    counts      jsonb NOT NULL DEFAULT '{}'::jsonb,
    options     jsonb NOT NULL DEFAULT '{}'::jsonb
);
