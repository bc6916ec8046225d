"""SQL for the basemap's vector tiles: one Mapbox Vector Tile per (z, x, y) made by
PostGIS (``ST_AsMVT`` / ``ST_AsMVTGeom``) from the districts, the streets and the public
stations, and the basemap's data version (migration 0013) that keys every cache of them.

Layers and their properties:

* ``districts``: ``name``, ``is_key`` (a key district);
* ``streets``: ``name``, ``class`` (the OSM ``highway`` class), ``is_main``; at low zooms
  only the main streets and the larger classes (:data:`CLASSES_BY_ZOOM`);
* ``stations``: ``kind`` only, and only the stations the public sees
  (:data:`geo.stations.sql.TILE_LAYER`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from geo.stations import sql as stations_sql

#: Coordinates per tile side, and the buffer around it (in those units) so that lines and
#: labels cross tile edges without gaps.
EXTENT, BUFFER = 4096, 64

#: Below zoom 14, the street classes drawn besides the main streets (smaller ones would be
#: a grey felt at city scale and make tiles heavy). From 14 on, every street.
CLASSES_BY_ZOOM: dict[int, tuple[str, ...]] = {
    12: ("motorway", "trunk", "primary", "secondary"),
    13: ("motorway", "trunk", "primary", "secondary", "tertiary"),
}
ALL_STREETS_FROM = 14

_VERSION = "SELECT token::text AS token FROM basemap_version"

_TILE = f"""
WITH tile AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326)
               AS env4326
),
districts AS (
    SELECT name, is_key,
           ST_AsMVTGeom(ST_Transform(d.geom, 3857), tile.env, %(extent)s, %(buffer)s, true)
               AS geom
    FROM districts d, tile
    WHERE d.geom && tile.env4326
),
streets AS (
    SELECT name, highway AS class, is_main,
           ST_AsMVTGeom(ST_Transform(s.geom, 3857), tile.env, %(extent)s, %(buffer)s, true)
               AS geom
    FROM streets s, tile
    WHERE s.geom && tile.env4326
      AND (%(all_streets)s OR s.is_main OR s.highway = ANY(%(classes)s))
),
stations AS ({stations_sql.TILE_LAYER})
SELECT
    coalesce((SELECT ST_AsMVT(d, 'districts', %(extent)s, 'geom')
              FROM districts d WHERE d.geom IS NOT NULL), ''::bytea)
 || coalesce((SELECT ST_AsMVT(s, 'streets', %(extent)s, 'geom')
              FROM streets s WHERE s.geom IS NOT NULL), ''::bytea)
 || coalesce((SELECT ST_AsMVT(p, 'stations', %(extent)s, 'geom')
              FROM stations p WHERE p.geom IS NOT NULL), ''::bytea)
    AS mvt
"""


def version(conn: psycopg.Connection[Any]) -> str:
    """A token that changes whenever streets, districts or stations change (in the same
    transaction)."""
    row = conn.execute(_VERSION).fetchone()
    assert row is not None, "basemap_version has no row: run `yizhan db migrate`"
    return str(row["token"])


def tile(conn: psycopg.Connection[Any], z: int, x: int, y: int, today: dt.date) -> bytes:
    """The vector tile (z, x, y) with the stations public on ``today``; ``b""`` when it
    holds nothing."""
    classes = CLASSES_BY_ZOOM.get(z, CLASSES_BY_ZOOM[min(CLASSES_BY_ZOOM)])
    params = {
        "z": z,
        "x": x,
        "y": y,
        "extent": EXTENT,
        "buffer": BUFFER,
        "margin": BUFFER / EXTENT,
        "all_streets": z >= ALL_STREETS_FROM,
        "classes": list(classes),
        **stations_sql.public_params(today),
    }
    row = conn.execute(_TILE, params).fetchone()
    return bytes(row["mvt"]) if row and row["mvt"] is not None else b""
