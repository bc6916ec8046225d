"""Small hand-built cities for the coverage tests, drawn in metres.

Coordinates are given in metres east/north of an origin in UTM zone 50N (EPSG:32650,
near Shenzhen) and stored in WGS-84 like any imported data; coverage projects them back
into the same zone, so the distances worked out by hand on paper hold to micrometres.
Street ``length_m`` is the drawn (projected) length for the same reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.db import network as network_db
from geo.io.streets import build_walk_network
from geo.stations import sql as stations_db

ORIGIN = (220_000.0, 2_490_000.0)  # about 114.3 E, 22.5 N; a multiple of 1000 m
_TO_LONLAT = Transformer.from_crs(32650, 4326, always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(ORIGIN[0] + x, ORIGIN[1] + y)
    return float(lon), float(lat)


def _line(coords: Sequence[tuple[float, float]]) -> shapely.LineString:
    return shapely.LineString([lonlat(x, y) for x, y in coords])


def load_streets(conn: Any, streets: Sequence[dict[str, Any]]) -> None:
    """Store streets (dicts: coords in metres, name, is_main, walkable) and their walk
    network, each street one noded piece."""
    geoms = [_line(s["coords"]) for s in streets]
    lengths = [
        float(np.sum(np.hypot(*np.diff(np.asarray(s["coords"], float), axis=0).T))) for s in streets
    ]
    frame = gpd.GeoDataFrame(
        {
            "name": [s.get("name") for s in streets],
            "names": [[s["name"]] if s.get("name") else [] for s in streets],
            "highway": [s.get("highway", "primary") for s in streets],
            "highway_all": [[s.get("highway", "primary")] for s in streets],
            "is_main": [s.get("is_main", True) for s in streets],
            "walkable": [s.get("walkable", True) for s in streets],
            "oneway": [None] * len(streets),
            "osm_id": [None] * len(streets),
            "length_m": lengths,
        },
        geometry=geoms,
        crs=4326,
    )
    net = build_walk_network(frame)
    with conn.transaction():
        network_db.replace_streets(conn, frame, net.nodes, net.edges, source="test")


def load_district(
    conn: Any, name: str, box: tuple[float, float, float, float], *, key: bool = True
) -> None:
    """A rectangular district (xmin, ymin, xmax, ymax in metres)."""
    x0, y0, x1, y1 = box
    poly = shapely.MultiPolygon(
        [shapely.Polygon([lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1)])]
    )
    frame = gpd.GeoDataFrame(
        {"name": [name], "code": [None], "area_m2": [(x1 - x0) * (y1 - y0)]},
        geometry=[poly],
        crs=4326,
    )
    with conn.transaction():
        network_db.upsert_districts(
            conn, frame, key_names=[name] if key else [], all_key=False, source="test"
        )


# One keyword per station column a test varies; a bundle type would only hide them.
def add_station(  # noqa: PLR0913
    conn: Any,
    x: float,
    y: float,
    *,
    name: str = "测试驿站",
    kind: str = "love_station",
    status: str = "open",
    opened_on: dt.date | None = dt.date(2025, 1, 1),
    closed_on: dt.date | None = None,
    review_state: str = "approved",
) -> None:
    lon, lat = lonlat(x, y)
    with conn.transaction():
        stations_db.upsert_many(
            conn,
            [
                {
                    "kind": kind,
                    "name": name,
                    "status": status,
                    "review_state": review_state,
                    "opened_on": opened_on,
                    "closed_on": closed_on,
                    "services": [],
                    "is_demo": False,
                    "source": "test",
                    "external_id": f"{name}-{x}-{y}",
                    "lon": lon,
                    "lat": lat,
                }
            ],
        )


# A straight main street 主街 along y = 0 from x = 0 to 3000, noded at 1000 and 2500.
MAIN_STREET = [
    {"name": "主街", "coords": [(0, 0), (1000, 0)]},
    {"name": "主街", "coords": [(1000, 0), (2500, 0)]},
    {"name": "主街", "coords": [(2500, 0), (3000, 0)]},
]
