"""SQL for reading the walk network (tables ``walk_nodes``/``walk_edges``)."""

from __future__ import annotations

from typing import Any

import psycopg

# Cheap to ask on every request: the count, the last id and the transaction that wrote the
# last row change whenever a street import replaces the network or rows are added/removed.
_FINGERPRINT = """
SELECT count(*) AS n,
       coalesce(max(id), 0) AS max_id,
       (SELECT xmin::text FROM walk_edges ORDER BY id DESC LIMIT 1) AS last_xmin
FROM walk_edges
"""

_EDGES = """
SELECT id, source, target, length_m, ST_AsBinary(geom) AS wkb
FROM walk_edges
ORDER BY id
"""


def fingerprint(conn: psycopg.Connection[Any]) -> tuple[int, int, str]:
    """A value that changes whenever the walk network changes (count, max id, writer)."""
    row = conn.execute(_FINGERPRINT).fetchone()
    assert row is not None
    return int(row["n"]), int(row["max_id"]), str(row["last_xmin"] or "")


def edges(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every walk edge: id, source, target, length_m and its WGS-84 geometry as WKB."""
    return list(conn.execute(_EDGES).fetchall())
