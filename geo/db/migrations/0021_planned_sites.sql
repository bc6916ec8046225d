-- The planned sites of saved scenarios as one relation (#16, OGC collection
-- planned_sites, staff only): every "add" and "move" change of a scenario that is not
-- archived, as a WGS-84 point. A change's position may be given in GCJ-02 or BD-09 (as
-- the what-if API takes it), so the conversions of geo/crs.py are restated here as SQL
-- functions (same formulas and iterations; tests/api/test_ogc_planned_sites.py checks
-- they agree with geo.crs). A view: nothing is copied, an edited or archived scenario is
-- seen at once. The feature id is scenario id * 1000 + the change's position (a
-- scenario has at most 200 changes).

CREATE FUNCTION yizhan_gcj02_delta(lon double precision, lat double precision,
                                   OUT dlon double precision, OUT dlat double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    a  constant double precision := 6378245.0;
    ee constant double precision := 0.00669342162296594323;
    x  double precision := lon - 105.0;
    y  double precision := lat - 35.0;
    sx double precision := sqrt(abs(lon - 105.0));
    radlat double precision := lat / 180.0 * pi();
    magic double precision;
    sqrtmagic double precision;
BEGIN
    IF NOT (lon BETWEEN 72.004 AND 137.8347 AND lat BETWEEN 0.8293 AND 55.8271) THEN
        dlon := 0.0;
        dlat := 0.0;
        RETURN;
    END IF;
    dlat := -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
        + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0
        + (20.0 * sin(y * pi()) + 40.0 * sin(y / 3.0 * pi())) * 2.0 / 3.0
        + (160.0 * sin(y / 12.0 * pi()) + 320 * sin(y * pi() / 30.0)) * 2.0 / 3.0;
    dlon := 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
        + (20.0 * sin(6.0 * x * pi()) + 20.0 * sin(2.0 * x * pi())) * 2.0 / 3.0
        + (20.0 * sin(x * pi()) + 40.0 * sin(x / 3.0 * pi())) * 2.0 / 3.0
        + (150.0 * sin(x / 12.0 * pi()) + 300.0 * sin(x / 30.0 * pi())) * 2.0 / 3.0;
    magic := 1 - ee * sin(radlat) ^ 2;
    sqrtmagic := sqrt(magic);
    dlat := (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrtmagic) * pi());
    dlon := (dlon * 180.0) / (a / sqrtmagic * cos(radlat) * pi());
END $$;

-- GCJ-02 to WGS-84 by iterating the forward transform, as geo.crs.gcj02_to_wgs84.
CREATE FUNCTION yizhan_gcj02_to_wgs84(glon double precision, glat double precision)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    wlon double precision := glon;
    wlat double precision := glat;
    d record;
    elon double precision;
    elat double precision;
BEGIN
    FOR i IN 1..30 LOOP
        d := yizhan_gcj02_delta(wlon, wlat);
        elon := wlon + d.dlon - glon;
        elat := wlat + d.dlat - glat;
        wlon := wlon - elon;
        wlat := wlat - elat;
        EXIT WHEN abs(elon) < 1e-10 AND abs(elat) < 1e-10;
    END LOOP;
    RETURN ST_SetSRID(ST_MakePoint(wlon, wlat), 4326);
END $$;

-- BD-09 to GCJ-02 (closed form, then refined), as geo.crs.bd09_to_gcj02.
CREATE FUNCTION yizhan_bd09_to_gcj02(blon double precision, blat double precision,
                                     OUT glon double precision, OUT glat double precision)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    x_pi constant double precision := pi() * 3000.0 / 180.0;
    x double precision := blon - 0.0065;
    y double precision := blat - 0.006;
    z double precision;
    theta double precision;
    flon double precision;
    flat double precision;
    elon double precision;
    elat double precision;
BEGIN
    z := sqrt(x * x + y * y) - 0.00002 * sin(y * x_pi);
    theta := atan2(y, x) - 0.000003 * cos(x * x_pi);
    glon := z * cos(theta);
    glat := z * sin(theta);
    FOR i IN 1..10 LOOP
        z := sqrt(glon * glon + glat * glat) + 0.00002 * sin(glat * x_pi);
        theta := atan2(glat, glon) + 0.000003 * cos(glon * x_pi);
        flon := z * cos(theta) + 0.0065;
        flat := z * sin(theta) + 0.006;
        elon := flon - blon;
        elat := flat - blat;
        glon := glon - elon;
        glat := glat - elat;
        EXIT WHEN abs(elon) < 1e-11 AND abs(elat) < 1e-11;
    END LOOP;
END $$;

-- A change's position in WGS-84 (crs as the what-if API takes it: wgs84 by default).
CREATE FUNCTION yizhan_change_point(lon double precision, lat double precision, crs text)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    key text := lower(btrim(coalesce(crs, 'wgs84')));
    g record;
BEGIN
    IF lon IS NULL OR lat IS NULL THEN
        RETURN NULL;
    END IF;
    IF key IN ('gcj02', 'gcj-02', 'amap', 'tencent') THEN
        RETURN yizhan_gcj02_to_wgs84(lon, lat);
    END IF;
    IF key IN ('bd09', 'bd-09', 'baidu') THEN
        g := yizhan_bd09_to_gcj02(lon, lat);
        RETURN yizhan_gcj02_to_wgs84(g.glon, g.glat);
    END IF;
    RETURN ST_SetSRID(ST_MakePoint(lon, lat), 4326);
END $$;

CREATE VIEW planned_sites AS
SELECT s.id * 1000 + c.n AS id,
       s.id AS scenario_id,
       s.name AS scenario_name,
       c.n - 1 AS change_index,
       coalesce(c.change ->> 'id', c.change ->> 'station_id') AS change_id,
       c.change ->> 'op' AS op,
       s.kind,
       s.as_of,
       coalesce(c.change ->> 'name', st.name) AS name,
       (c.change ->> 'station_id')::bigint AS station_id,
       yizhan_change_point((c.change ->> 'lon')::double precision,
                           (c.change ->> 'lat')::double precision,
                           c.change ->> 'crs') AS geom
FROM scenarios s
CROSS JOIN LATERAL jsonb_array_elements(s.changes) WITH ORDINALITY AS c (change, n)
LEFT JOIN stations st ON st.id = (c.change ->> 'station_id')::bigint
WHERE NOT s.archived AND c.change ->> 'op' IN ('add', 'move');
