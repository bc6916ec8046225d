"""SQL for reading the walk network (tables ``walk_nodes``/``walk_edges``)."""

from __future__ import annotations

from typing import Any

import psycopg

# One primary-key read: migration 0004's trigger gives the network a new token in the same
# transaction as any change to walk_edges, so it is cheap enough to ask on every request.
_VERSION = "SELECT token::text AS token FROM walk_network_version"

_EDGES = """
SELECT id, source, target, length_m, ST_AsBinary(geom) AS wkb
FROM walk_edges
ORDER BY id
"""


def version(conn: psycopg.Connection[Any]) -> str:
    """A token that changes whenever the walk network changes (in the same transaction)."""
    row = conn.execute(_VERSION).fetchone()
    assert row is not None, "walk_network_version has no row: run `yizhan db migrate`"
    return str(row["token"])


def edges(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every walk edge: id, source, target, length_m and its WGS-84 geometry as WKB."""
    return list(conn.execute(_EDGES).fetchall())
