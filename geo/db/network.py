"""SQL for the city's geography: districts, streets and the walk network, and the public
pages of districts and main streets (OGC API – Features)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

from geo.errors import InvalidInput


def _ewkb(geoms: Any) -> list[str]:
    arr = shapely.set_srid(np.asarray(geoms, dtype=object), 4326)
    return list(shapely.to_wkb(arr, hex=True, include_srid=True))


def _none(value: Any) -> Any:
    """Missing values of pandas (NaN, NA, None) become SQL NULL."""
    if isinstance(value, list | tuple | np.ndarray):
        return value
    return None if pd.isna(value) else value


def replace_streets(
    conn: psycopg.Connection[Any],
    streets: gpd.GeoDataFrame,
    nodes: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    *,
    source: str,
) -> dict[str, int]:
    """Replace all streets and the walk network with new ones (inside the caller's
    transaction). Street ids are 1..n in the order of ``streets``."""
    conn.execute("LOCK TABLE streets, walk_nodes, walk_edges IN ACCESS EXCLUSIVE MODE")
    conn.execute("DELETE FROM walk_edges")
    conn.execute("DELETE FROM walk_nodes")
    conn.execute("DELETE FROM streets")
    with conn.cursor() as cur:
        with cur.copy(
            "COPY streets (id, name, names, highway, highway_all, is_main, walkable,"
            " not_walkable, excluded_main, oneway, osm_id, length_m, geom, source) FROM STDIN"
        ) as copy:
            copy.set_types(
                [
                    "int8",
                    "text",
                    "text[]",
                    "text",
                    "text[]",
                    "bool",
                    "bool",
                    "text",
                    "bool",
                    "bool",
                    "text",
                    "float8",
                    "text",
                    "text",
                ]
            )
            wkb = _ewkb(streets.geometry.values)
            cols = zip(
                streets["name"],
                streets["names"],
                streets["highway"],
                streets["highway_all"],
                streets["is_main"],
                streets["walkable"],
                # frames built by hand (tests, older callers) may lack the #12 columns
                streets.get("not_walkable", [None] * len(streets)),
                streets.get("excluded_main", [False] * len(streets)),
                streets["oneway"],
                streets["osm_id"],
                streets["length_m"],
                strict=True,
            )
            for i, row in enumerate(cols):
                name, names, hw, hw_all, main, walk, why, excluded, oneway, osm_id, length = row
                copy.write_row(
                    (
                        i + 1,
                        _none(name),
                        list(names),
                        hw,
                        list(hw_all),
                        bool(main),
                        bool(walk),
                        _none(why),
                        bool(excluded),
                        None if _none(oneway) is None else bool(oneway),
                        None if _none(osm_id) is None else str(osm_id),
                        float(length),
                        wkb[i],
                        source,
                    )
                )
        with cur.copy("COPY walk_nodes (id, geom) FROM STDIN") as copy:
            copy.set_types(["int8", "text"])
            for node_id, g in zip(nodes["node_id"], _ewkb(nodes.geometry.values), strict=True):
                copy.write_row((int(node_id), g))
        with cur.copy(
            "COPY walk_edges (id, source, target, street_id, length_m, geom) FROM STDIN"
        ) as copy:
            copy.set_types(["int8", "int8", "int8", "int8", "float8", "text"])
            rows = zip(
                edges["source"],
                edges["target"],
                edges["street_index"],
                edges["length_m"],
                _ewkb(edges.geometry.values),
                strict=True,
            )
            for i, (s, t, street_index, length, g) in enumerate(rows):
                copy.write_row((i + 1, int(s), int(t), int(street_index) + 1, float(length), g))
    conn.execute("ANALYZE streets")
    conn.execute("ANALYZE walk_nodes")
    conn.execute("ANALYZE walk_edges")
    return {"streets": len(streets), "walk_nodes": len(nodes), "walk_edges": len(edges)}


def upsert_districts(
    conn: psycopg.Connection[Any],
    districts: gpd.GeoDataFrame,
    *,
    key_names: list[str] | None,
    all_key: bool,
    source: str,
) -> dict[str, int]:
    """Insert or update districts by name; mark key districts. Returns counts."""
    names = list(districts["name"])
    if key_names:
        unknown = [n for n in key_names if n not in names]
        if unknown:
            raise InvalidInput(
                f"--key 中的区域不在文件里：{', '.join(unknown)}；文件中的区域：{', '.join(names)}",
                f"--key names not in the file: {', '.join(unknown)}; "
                f"districts in the file: {', '.join(names)}",
            )
    keys = set(names) if all_key else set(key_names or [])
    created = updated = 0
    for name, code, geom, area in zip(
        districts["name"],
        districts["code"],
        _ewkb(districts.geometry.values),
        districts["area_m2"],
        strict=True,
    ):
        row = conn.execute(
            """INSERT INTO districts (name, code, is_key, geom, area_m2, source)
               VALUES (%s, %s, %s, ST_GeomFromEWKB(decode(%s, 'hex')), %s, %s)
               ON CONFLICT (name) DO UPDATE SET code = EXCLUDED.code,
                   is_key = EXCLUDED.is_key OR (districts.is_key AND NOT %s),
                   geom = EXCLUDED.geom, area_m2 = EXCLUDED.area_m2,
                   source = EXCLUDED.source, imported_at = now()
               RETURNING (xmax = 0) AS inserted""",
            (
                name,
                _none(code),
                name in keys,
                geom,
                float(area),
                source,
                bool(key_names) or all_key,
            ),
        ).fetchone()
        if row and row["inserted"]:
            created += 1
        else:
            updated += 1
    return {"created": created, "updated": updated, "key": len(keys)}


def service_area(conn: psycopg.Connection[Any]) -> Any:
    """All districts as one WGS-84 shapely geometry (collected, not dissolved: distances
    and containment are the same, and a detailed district makes a union take a minute), or
    None when none is loaded."""
    row = conn.execute("SELECT ST_AsBinary(ST_Collect(geom)) AS g FROM districts").fetchone()
    if not row or row["g"] is None:
        return None
    return shapely.from_wkb(bytes(row["g"]))


def service_centre(conn: psycopg.Connection[Any]) -> tuple[float, float] | None:
    """A point inside the districts (lon, lat), the one ``service_area(conn)
    .representative_point()`` gives, computed in the database so that a page asking for
    it does not fetch every vertex (10 MB with a 300,000-vertex district); None with no
    districts."""
    row = conn.execute(
        "SELECT ST_X(c) AS lon, ST_Y(c) AS lat"
        " FROM (SELECT ST_PointOnSurface(ST_Collect(geom)) AS c FROM districts) AS s"
    ).fetchone()
    if not row or row["lon"] is None:
        return None
    return (float(row["lon"]), float(row["lat"]))


def map_centre(conn: psycopg.Connection[Any]) -> tuple[float, float] | None:
    """Where a staff page's map starts (lon, lat): on the street nearest the middle of the
    imported streets, where the stations of the service area are placed; with no streets,
    :func:`service_centre`. A city's districts often reach far beyond the streets imported
    (Shenzhen's ten districts around a Futian network: their point lies 15 km from any of
    its streets), so a map started there shows nothing to place a pin by. The middle is
    the streets' bounding box, read from the index's estimate when the table is analysed
    (no scan of a megacity's streets per page), else computed."""
    row = conn.execute(
        """WITH box AS (
             SELECT COALESCE(
               (SELECT ST_SetSRID(ST_EstimatedExtent('public', 'streets', 'geom')::geometry, 4326)
                WHERE EXISTS (SELECT 1 FROM streets)),
               (SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326) FROM streets)) AS b),
           mid AS (SELECT ST_Centroid(b) AS c FROM box WHERE b IS NOT NULL)
           SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
             SELECT ST_ClosestPoint(s.geom, mid.c) AS p FROM streets s, mid
             ORDER BY s.geom <-> mid.c LIMIT 1) AS q"""
    ).fetchone()
    if not row or row["lon"] is None:
        return service_centre(conn)
    return (float(row["lon"]), float(row["lat"]))


# How far a position is from the districts, from their pieces (migration 0006), as the
# districts themselves answer (0 when ST_Intersects one, else the least ST_Distance of
# their geography):
# * inside: a part of a district holds the position;
# * else the distance PostGIS computes for a district: per ring, the spheroid distance at
#   the ring's nearest point on the sphere. The edge runs nearest on the sphere come from
#   the index (KNN). A ring whose nearest run is not among them is at least as far on the
#   sphere as the farthest of them, and at least 0.99 of that on the spheroid (the ratio
#   is above 0.994 on WGS-84): when 0.99 × the farthest is beyond the answer, no other
#   ring is nearer; otherwise every run within reach is read;
# * a district holds as geography a few positions just outside its straight lon/lat
#   edges (its edges are geodesics there, which bulge out by up to an edge's bulge_m):
#   when a position is within the bulge of an edge run, that district answers itself.
_NEAREST_RUNS = 8
_OUTSIDE = f"""
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g),
knn AS (
    SELECT k.*, row_number() OVER (
        PARTITION BY k.district_id, k.polygon, k.ring ORDER BY k.sphere_m, k.id) AS nth
    FROM p, LATERAL (
        SELECT e.id, e.district_id, e.polygon, e.ring, e.geom,
               e.geom::geography <-> p.g::geography AS sphere_m
        FROM district_edges AS e
        ORDER BY e.geom::geography <-> p.g::geography
        LIMIT {_NEAREST_RUNS}) AS k),
near AS (
    SELECT min(ST_Distance(knn.geom::geography, p.g::geography)) FILTER (WHERE nth = 1) AS d,
           max(knn.sphere_m) AS reach, count(*) AS n
    FROM knn, p),
every_ring AS (
    SELECT min(ST_Distance(w.geom::geography, p.g::geography)) AS d
    FROM p, near, LATERAL (
        SELECT DISTINCT ON (e.district_id, e.polygon, e.ring) e.geom
        FROM district_edges AS e
        WHERE ST_DWithin(e.geom::geography, p.g::geography, near.d / 0.99, false)
        ORDER BY e.district_id, e.polygon, e.ring,
                 e.geom::geography <-> p.g::geography, e.id) AS w),
edges AS (
    SELECT CASE WHEN n < {_NEAREST_RUNS} OR 0.99 * reach > d THEN d
                ELSE (SELECT d FROM every_ring) END AS d
    FROM near),
answer AS (
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM district_parts AS dp, p WHERE ST_Intersects(dp.geom, p.g))
            THEN 0
        ELSE (SELECT d FROM edges)
        END AS d)
SELECT answer.d, CASE
    WHEN answer.d > 0 AND answer.d <= (SELECT max(bulge_m) FROM district_edges) THEN ARRAY(
        SELECT DISTINCT e.district_id FROM district_edges AS e, p
        WHERE ST_DWithin(e.geom::geography, p.g::geography,
                         (SELECT max(bulge_m) FROM district_edges))
          AND ST_DWithin(e.geom::geography, p.g::geography, e.bulge_m))
    END AS bulging
FROM answer
"""

# The rare position within the bulge of an edge run: those districts answer themselves.
_AS_GEOGRAPHY = """
SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)) AS d
FROM districts WHERE id = ANY(%s)
"""


def outside_service_area_m(conn: psycopg.Connection[Any], lon: float, lat: float) -> float | None:
    """Metres from the districts to a point: 0 inside one; None with no districts.

    Reads the districts' pieces kept by migration 0006 (``district_parts`` for
    containment, ``district_edges`` for the distance), only those near the point, so a
    detailed district (300,000 vertices) costs a write no more than a simple one. The
    answer is the districts' own: containment as ``ST_Intersects`` on them, the distance
    as ``ST_Distance`` on their geography.
    """
    row = conn.execute(_OUTSIDE, {"lon": lon, "lat": lat}).fetchone()
    if row is None or row["d"] is None:
        return None
    if row["bulging"]:
        near = conn.execute(_AS_GEOGRAPHY, (lon, lat, row["bulging"])).fetchone()
        if near is not None and near["d"] is not None:
            return min(float(row["d"]), float(near["d"]))
    return float(row["d"])


# The district containing each point (as ST_Intersects on the districts themselves, read
# from their indexed pieces near the point); on a shared border the older district.
_DISTRICTS_AT = """
SELECT (SELECT d.name FROM district_parts dp JOIN districts d ON d.id = dp.district_id
        WHERE ST_Intersects(dp.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
        ORDER BY d.id LIMIT 1) AS name
FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p (lon, lat, i)
ORDER BY p.i
"""


def districts_at(
    conn: psycopg.Connection[Any], lons: list[float], lats: list[float]
) -> list[str | None]:
    """The name of the district containing each WGS-84 point, None for a point in none
    (one query for all the points)."""
    if not lons:
        return []
    rows = conn.execute(_DISTRICTS_AT, (list(lons), list(lats))).fetchall()
    return [r["name"] for r in rows]


def district_at(conn: psycopg.Connection[Any], lon: float, lat: float) -> str | None:
    """The name of the district containing a WGS-84 point, or None."""
    return districts_at(conn, [lon], [lat])[0]


# -- public feature pages -------------------------------------------------------------

_IN_BBOX = (
    " AND (%(xmin)s::float8 IS NULL OR"
    " geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326))"
)

_DISTRICTS = f"""
SELECT id, name, code, is_key, area_m2, ST_AsGeoJSON(geom, 7) AS geometry,
       count(*) OVER () AS matched
FROM districts
WHERE (%(name)s::text IS NULL OR name = %(name)s){_IN_BBOX}
  AND (%(id)s::bigint IS NULL OR id = %(id)s)
ORDER BY id
LIMIT %(limit)s OFFSET %(offset)s
"""

_MAIN_STREETS = f"""
SELECT id, name, highway, length_m, ST_AsGeoJSON(geom, 7) AS geometry,
       count(*) OVER () AS matched
FROM streets
WHERE is_main AND (%(name)s::text IS NULL OR name = %(name)s){_IN_BBOX}
  AND (%(id)s::bigint IS NULL OR id = %(id)s)
ORDER BY id
LIMIT %(limit)s OFFSET %(offset)s
"""

_EXTENT = """
SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax
FROM (SELECT ST_Extent(geom)::geometry AS e FROM {table}) s
"""


def geography_page(
    conn: psycopg.Connection[Any],
    layer: str,
    *,
    bbox: tuple[float, float, float, float] | None,
    name: str | None,
    feature_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of districts (``layer="districts"``) or main streets (``"main_streets"``),
    geometry as GeoJSON text, and how many match (None when the page is empty)."""
    query = {"districts": _DISTRICTS, "main_streets": _MAIN_STREETS}[layer]
    xmin, ymin, xmax, ymax = bbox or (None, None, None, None)
    params = {
        "name": name,
        "id": feature_id,
        "xmin": xmin,
        "ymin": ymin,
        "xmax": xmax,
        "ymax": ymax,
        "limit": limit,
        "offset": offset,
    }
    rows = list(conn.execute(query, params).fetchall())
    return rows, (int(rows[0]["matched"]) if rows else None)


def extent(conn: psycopg.Connection[Any], layer: str) -> tuple[float, ...] | None:
    """The WGS-84 bounding box of a layer (districts, main_streets)."""
    from psycopg import sql

    table = {"districts": "districts", "main_streets": "streets"}[layer]
    row = conn.execute(sql.SQL(_EXTENT).format(table=sql.Identifier(table))).fetchone()
    if not row or row["xmin"] is None:
        return None
    return (row["xmin"], row["ymin"], row["xmax"], row["ymax"])


def counts(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Row counts and headline lengths of the city's geography."""
    row = conn.execute(
        """SELECT (SELECT count(*) FROM districts) AS districts,
                  (SELECT count(*) FROM districts WHERE is_key) AS key_districts,
                  (SELECT count(*) FROM streets) AS streets,
                  (SELECT count(*) FROM streets WHERE is_main) AS main_streets,
                  (SELECT coalesce(sum(length_m), 0) FROM streets WHERE is_main)
                      AS main_street_m,
                  (SELECT count(*) FROM walk_nodes) AS walk_nodes,
                  (SELECT count(*) FROM walk_edges) AS walk_edges,
                  (SELECT coalesce(sum(length_m), 0) FROM walk_edges) AS walk_m"""
    ).fetchone()
    return dict(row or {})


def log_import(
    conn: psycopg.Connection[Any],
    what: str,
    file: str,
    actor: str,
    counts: dict[str, Any],
    options: dict[str, Any],
) -> None:
    """Record a bulk load in the import log (same transaction as the load)."""
    from psycopg.types.json import Jsonb

    conn.execute(
        "INSERT INTO import_log (what, file, actor, counts, options) VALUES (%s, %s, %s, %s, %s)",
        (what, file, actor, Jsonb(counts), Jsonb(options)),
    )


def not_walkable_totals(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Streets out of the walk network because nobody walks on them (migration 0011), per
    reason: how many and how long, and how many of them are main streets by class or name
    (out of the main-street figures)."""
    rows = conn.execute(
        """SELECT not_walkable AS reason, count(*) AS streets,
                  coalesce(sum(length_m), 0) AS length_m,
                  count(*) FILTER (WHERE excluded_main) AS main_streets,
                  coalesce(sum(length_m) FILTER (WHERE excluded_main), 0) AS main_m
             FROM streets WHERE not_walkable IS NOT NULL
            GROUP BY not_walkable ORDER BY sum(length_m) DESC, not_walkable"""
    ).fetchall()
    return [dict(r) for r in rows]


def last_import(conn: psycopg.Connection[Any], what: str) -> dict[str, Any] | None:
    """The newest entry of the import log for ``what`` (``streets``, ``districts``,
    ``stations``): file, actor, when and its counts; None when there is none."""
    row = conn.execute(
        "SELECT file, actor, at, counts FROM import_log WHERE what = %s"
        " ORDER BY at DESC, id DESC LIMIT 1",
        (what,),
    ).fetchone()
    return dict(row) if row else None
