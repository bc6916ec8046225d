"""SQL for what the public sees: stations that are open and approved, and the city's
districts and main streets as feature pages (public lookup and OGC API – Features).

Every query is parameterised. A station is public only when its status is operating
(``geo.vocab.OPERATING_STATUSES``) and its review state is ``approved``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from geo.db.stations import INPUT_COLUMNS
from geo.vocab import OPERATING_STATUSES

PUBLIC_FIELDS = (
    "id, kind, name, address, district, level, phone, opening_hours, services, opened_on,"
    " ST_X(geom) AS lon, ST_Y(geom) AS lat"
)
_PUBLIC = "status = ANY(%(statuses)s) AND review_state = 'approved'"
_FILTERS = (
    " AND (%(kind)s::text IS NULL OR kind = %(kind)s)"
    " AND services @> %(services)s::text[]"
    " AND (%(district)s::text IS NULL OR district = %(district)s)"
)
_IN_BBOX = (
    " AND (%(xmin)s::float8 IS NULL OR"
    " geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326))"
)

# Planar KNN on the geometry index (much faster than geography KNN) in degrees; the caller
# turns ``deg`` into a lower bound in metres to know when the candidates suffice.
_NEAREST = f"""
SELECT {PUBLIC_FIELDS},
       ST_Distance(geom::geography, q.g::geography) AS straight_m,
       geom <-> q.g AS deg
FROM stations, (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) q
WHERE {_PUBLIC}{_FILTERS}
ORDER BY geom <-> q.g
LIMIT %(k)s
"""

_BY_ID = f"SELECT {PUBLIC_FIELDS} FROM stations WHERE id = %(id)s AND {_PUBLIC}"

_PAGE = f"""
SELECT {PUBLIC_FIELDS}, count(*) OVER () AS matched
FROM stations
WHERE {_PUBLIC}{_FILTERS}{_IN_BBOX}
ORDER BY id
LIMIT %(limit)s OFFSET %(offset)s
"""

# With a box, order by ``id + 0`` so the planner cannot walk the primary key through the
# whole table filtering by the box; it takes the spatial index and sorts the few matches.
_PAGE_IN_BOX = _PAGE.replace("ORDER BY id", "ORDER BY id + 0")

_COUNT = f"SELECT count(*) AS n FROM stations WHERE {_PUBLIC}{_FILTERS}{_IN_BBOX}"

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


@dataclass(frozen=True)
class StationFilter:
    """Which public stations: kind, required services, district, bounding box."""

    kind: str | None = None
    services: tuple[str, ...] = ()
    district: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def params(self) -> dict[str, Any]:
        xmin, ymin, xmax, ymax = self.bbox or (None, None, None, None)
        return {
            "statuses": sorted(OPERATING_STATUSES),
            "kind": self.kind,
            "services": list(self.services),
            "district": self.district,
            "xmin": xmin,
            "ymin": ymin,
            "xmax": xmax,
            "ymax": ymax,
        }


def nearest(
    conn: psycopg.Connection[Any],
    lon: float,
    lat: float,
    where: StationFilter,
    *,
    k: int,
) -> list[dict[str, Any]]:
    """The ``k`` public stations nearest to a WGS-84 point in lon/lat degrees (KNN on the
    geometry index), with ``straight_m`` (geodesic metres) and ``deg`` (degrees).

    Never a prepared statement: PostgreSQL would soon switch a prepared one to a generic
    plan, which cannot see ``k`` or the filters and so sorts the whole table (a parallel
    sequential scan, over 100 ms with 100,000 stations, instead of an index walk of about
    0.3 ms). Planning each time costs about 0.2 ms.
    """
    params = where.params() | {"lon": lon, "lat": lat, "k": k}
    return list(conn.execute(_NEAREST, params, prepare=False).fetchall())


def station(conn: psycopg.Connection[Any], station_id: int) -> dict[str, Any] | None:
    """One public station by id, or None when there is none the public may see."""
    return conn.execute(_BY_ID, {"id": station_id, **StationFilter().params()}).fetchone()


def stations_page(
    conn: psycopg.Connection[Any], where: StationFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of public stations ordered by id, and how many match in all."""
    params = where.params() | {"limit": limit, "offset": offset}
    rows = list(conn.execute(_PAGE if where.bbox is None else _PAGE_IN_BOX, params).fetchall())
    if rows:
        return rows, int(rows[0]["matched"])
    row = conn.execute(_COUNT, params).fetchone()
    return rows, int(row["n"]) if row else 0


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
    """The WGS-84 bounding box of a layer (stations, districts, main_streets)."""
    from psycopg import sql

    table = {"stations": "stations", "districts": "districts", "main_streets": "streets"}[layer]
    row = conn.execute(
        sql.SQL(_EXTENT).format(table=sql.Identifier(table))  # type: ignore[arg-type]
    ).fetchone()
    if not row or row["xmin"] is None:
        return None
    return (row["xmin"], row["ymin"], row["xmax"], row["ymax"])


EXPORT_COLUMNS = ("id", *INPUT_COLUMNS, "review_state")
_ALL = (
    "SELECT "
    + ", ".join(EXPORT_COLUMNS)
    + ", ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stations ORDER BY id"
)


def all_stations(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every station, public or not (for exports by staff), with WGS-84 lon/lat."""
    return list(conn.execute(_ALL).fetchall())
