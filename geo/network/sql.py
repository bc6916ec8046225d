"""SQL for reading the walk network (tables ``walk_edges`` and ``walk_network_version``):
the one path by which the walk network leaves PostGIS. Writing it is the street import's
(:func:`geo.db.network.replace_streets`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import psycopg
import shapely

# One primary-key read: migration 0004's trigger gives the network a new token in the same
# transaction as any change to walk_edges, so it is cheap enough to ask on every request.
_VERSION = "SELECT token::text AS token FROM walk_network_version"

_EDGES = """
SELECT id, source, target, length_m, street_id, ST_AsBinary(geom) AS wkb
FROM walk_edges
ORDER BY id
"""


def version(conn: psycopg.Connection[Any]) -> str:
    """A token that changes whenever the walk network changes (in the same transaction)."""
    row = conn.execute(_VERSION).fetchone()
    assert row is not None, "walk_network_version has no row: run `yizhan db migrate`"
    return str(row["token"])


def edges(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Every walk edge, as arrays (see :func:`edge_arrays`)."""
    return edge_arrays(conn.execute(_EDGES).fetchall())


def edge_arrays(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Walk edge rows as arrays: ``id``, ``source``, ``target`` (node ids), ``length_m``
    (geodesic), ``street_id`` (-1: none) and ``geom`` (WGS-84 shapely lines)."""
    return {
        "id": np.array([r["id"] for r in rows], dtype=np.int64),
        "source": np.array([r["source"] for r in rows], dtype=np.int64),
        "target": np.array([r["target"] for r in rows], dtype=np.int64),
        "length_m": np.array([r["length_m"] for r in rows], dtype=np.float64),
        "street_id": np.array([r["street_id"] or -1 for r in rows], dtype=np.int64),
        "geom": shapely.from_wkb([bytes(r["wkb"]) for r in rows]),
    }
