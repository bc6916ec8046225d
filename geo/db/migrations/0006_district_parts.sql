-- The districts cut into small indexed pieces, computed once per district change instead
-- of on every request (#11): a write's service-area check (inside a district? how far
-- outside?) read every vertex of every district, 0.4 s with one district of 300,000.
--
-- district_parts: each district's area cut by ST_Subdivide into polygons of at most 256
--   vertices. Their union is the district (up to the rounding of the vertices added on
--   the cut lines), so a position is in a part exactly when it is in the district.
-- district_edges: each ring of each district as consecutive runs of at most 64 of its
--   own vertices. The edges are the district's, uncut: a geodesic distance to them is
--   the distance to the district itself (a cut would add vertices on the straight
--   lon/lat line, which bends the geodesic of a long edge by metres: 7 m on a 29 km edge).
--   bulge_m bounds how far the run's edges as geodesics stray from the straight lines
--   between their vertices (an edge of length L at latitude φ: L² tan φ / 8R, doubled for
--   safety): a position that far outside a district may still be in it as geography.
--
-- Triggers keep both in step with districts, in the same transaction as the change:
-- computed with a new district, recomputed when its geometry changes, removed with it
-- (the foreign keys cascade). TRUNCATE districts needs CASCADE, which empties both.

CREATE TABLE district_parts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id  bigint NOT NULL REFERENCES districts (id) ON DELETE CASCADE ON UPDATE CASCADE,
    geom         geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX district_parts_district ON district_parts (district_id);
CREATE INDEX district_parts_geom_gist ON district_parts USING gist (geom);

CREATE TABLE district_edges (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id  bigint NOT NULL REFERENCES districts (id) ON DELETE CASCADE ON UPDATE CASCADE,
    polygon      integer NOT NULL,  -- which polygon of the district (1-based)
    ring         integer NOT NULL,  -- which ring of that polygon (1 = exterior)
    geom         geometry(LineString, 4326) NOT NULL,
    bulge_m      double precision NOT NULL CHECK (bulge_m >= 0)
);
CREATE INDEX district_edges_district ON district_edges (district_id);
CREATE INDEX district_edges_geog_gist ON district_edges USING gist ((geom::geography));
CREATE INDEX district_edges_bulge ON district_edges (bulge_m);

-- The area of a district as polygons of at most 256 vertices.
CREATE FUNCTION district_pieces(area geometry) RETURNS SETOF geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT d.geom
    FROM ST_Subdivide(area, 256) AS s (piece), ST_Dump(s.piece) AS d
    WHERE ST_Dimension(d.geom) = 2 AND NOT ST_IsEmpty(d.geom)
$$;

-- The rings of a (multi)polygon as runs of 64 consecutive vertices, each run starting
-- at the last vertex of the one before, so every edge is in exactly one run.
CREATE FUNCTION district_edge_runs(area geometry)
RETURNS TABLE (polygon integer, ring integer, geom geometry, bulge_m double precision)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT v.polygon, v.ring, ST_MakeLine(v.pt ORDER BY v.n), coalesce(max(v.bulge_m), 0)
    FROM (
        SELECT w.*,
               2 * ST_DistanceSphere(w.before, w.pt) ^ 2
                 * tan(radians(least(89.9, greatest(abs(ST_Y(w.before)), abs(ST_Y(w.pt))))))
                 / (8 * 6371008.8) AS bulge_m  -- of the edge ending here
        FROM (
            SELECT d.path[1] AS polygon, d.path[2] AS ring, d.path[3] AS n, d.geom AS pt,
                   lag(d.geom) OVER (PARTITION BY d.path[1], d.path[2] ORDER BY d.path[3])
                       AS before
            FROM ST_DumpPoints(ST_Multi(area)) AS d
        ) AS w
    ) AS v,
    unnest(CASE WHEN v.n > 1 AND (v.n - 1) % 63 = 0
                THEN ARRAY[(v.n - 1) / 63 - 1, (v.n - 1) / 63]
                ELSE ARRAY[(v.n - 1) / 63] END) AS r (run)
    GROUP BY v.polygon, v.ring, r.run
    HAVING count(*) > 1
$$;

CREATE FUNCTION district_pieces_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM district_parts WHERE district_id = OLD.id;
        DELETE FROM district_edges WHERE district_id = OLD.id;
    END IF;
    INSERT INTO district_parts (district_id, geom)
    SELECT NEW.id, p FROM district_pieces(NEW.geom) AS p;
    INSERT INTO district_edges (district_id, polygon, ring, geom, bulge_m)
    SELECT NEW.id, e.polygon, e.ring, e.geom, e.bulge_m FROM district_edge_runs(NEW.geom) AS e;
    RETURN NULL;
END
$$;

CREATE TRIGGER district_pieces_insert
    AFTER INSERT ON districts
    FOR EACH ROW EXECUTE FUNCTION district_pieces_sync();
-- A re-import that sets the same geometry leaves the pieces alone. (Compared as EWKB:
-- a restore creates this trigger with an empty search_path, where geometry's = operator
-- is ambiguous.)
CREATE TRIGGER district_pieces_update
    AFTER UPDATE OF geom ON districts
    FOR EACH ROW WHEN (ST_AsEWKB(OLD.geom) IS DISTINCT FROM ST_AsEWKB(NEW.geom))
    EXECUTE FUNCTION district_pieces_sync();

-- The districts loaded before this migration.
INSERT INTO district_parts (district_id, geom)
SELECT d.id, p FROM districts AS d, district_pieces(d.geom) AS p ORDER BY d.id;
INSERT INTO district_edges (district_id, polygon, ring, geom, bulge_m)
SELECT d.id, e.polygon, e.ring, e.geom, e.bulge_m
FROM districts AS d, district_edge_runs(d.geom) AS e
ORDER BY d.id, e.polygon, e.ring;
ANALYZE district_parts;
ANALYZE district_edges;
