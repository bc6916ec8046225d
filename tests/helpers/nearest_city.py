"""The small hand-made walk network of the nearest-station tests.

Metres east/north of 114.05 E, 22.54 N, in Shenzhen: two parallel streets 200 m apart,
joined only at their ends 500 m either side, like a road with a fence down the middle::

    n4 (-500,200) ──────────────────────────── n5 (500,200)      A (0,180) snaps up here
     │                                           │
    n1 (-500,0) ─────────── n2 (0,0) ───────── n3 (500,0)         Q (0,20), B (300,10)
"""

from __future__ import annotations

import math

import shapely

from geo.measure import geodesic_lengths

LON0, LAT0 = 114.05, 22.54
NODES = {1: (-500, 0), 2: (0, 0), 3: (500, 0), 4: (-500, 200), 5: (500, 200)}
EDGES = {1: (1, 2), 2: (2, 3), 3: (4, 5), 4: (1, 4), 5: (3, 5)}
Q = (0, 20)


def ll(x: float, y: float) -> tuple[float, float]:
    """Metres east/north of the origin to lon/lat (a local tangent approximation)."""
    lat = LAT0 + y / 110_574.0
    lon = LON0 + x / (111_320.0 * math.cos(math.radians(LAT0)))
    return lon, lat


def load_network(conn, nodes=NODES, edges=EDGES) -> None:
    conn.execute("DELETE FROM walk_edges")
    conn.execute("DELETE FROM walk_nodes")
    for nid, (x, y) in nodes.items():
        conn.execute(
            "INSERT INTO walk_nodes (id, geom) VALUES (%s, ST_SetSRID(ST_MakePoint(%s,%s),4326))",
            (nid, *ll(x, y)),
        )
    for eid, (s, t) in edges.items():
        line = shapely.LineString([ll(*nodes[s]), ll(*nodes[t])])
        conn.execute(
            "INSERT INTO walk_edges (id, source, target, length_m, geom)"
            " VALUES (%s, %s, %s, %s, ST_GeomFromText(%s, 4326))",
            (eid, s, t, float(geodesic_lengths([line])[0]), line.wkt),
        )


def add_station(conn, name: str, x: float, y: float, **cols) -> int:
    values = {
        "kind": "love_station",
        "services": ["drinking_water"],
        "opening_hours": "24/7",
        **cols,
    }
    names = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    row = conn.execute(
        f"INSERT INTO stations (name, geom, {names}) VALUES "
        f"(%s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), {marks}) RETURNING id",
        (name, *ll(x, y), *values.values()),
    ).fetchone()
    return int(row["id"])
