"""SQL for coverage: its network inputs (main streets, districts; the walk network is read
by :mod:`geo.network.sql`), their fingerprint, and the stored snapshots with their
geometries. The station inputs (operating stations and their fingerprint) are in
:mod:`geo.stations.sql`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg.types.json import Jsonb


def main_streets(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Main streets (is_main): ids, names, lengths, walkability and geometries."""
    rows = conn.execute(
        "SELECT id, coalesce(name, '') AS name, length_m, walkable, ST_AsBinary(geom) AS g"
        " FROM streets WHERE is_main ORDER BY id"
    ).fetchall()
    return {
        "id": np.array([r["id"] for r in rows], dtype=np.int64),
        "name": np.array([r["name"] for r in rows], dtype=object),
        "length_m": np.array([r["length_m"] for r in rows], dtype=float),
        "walkable": np.array([r["walkable"] for r in rows], dtype=bool),
        "geom": shapely.from_wkb([bytes(r["g"]) for r in rows]),
    }


def not_walkable_main(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Main streets by class or name that nobody walks on (``excluded_main``): out of the
    main-street denominator, listed apart. One row per name, class and reason, longest
    first."""
    rows = conn.execute(
        "SELECT coalesce(name, '') AS street, highway, not_walkable AS reason,"
        " sum(length_m) AS length_m, count(*) AS pieces FROM streets WHERE excluded_main"
        " GROUP BY 1, 2, 3 ORDER BY length_m DESC, street, highway, reason"
    ).fetchall()
    return [dict(r) for r in rows]


def districts(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Districts: names, key flags, geodesic areas and geometries."""
    rows = conn.execute(
        "SELECT name, is_key, area_m2, ST_AsBinary(geom) AS g FROM districts ORDER BY name"
    ).fetchall()
    return {
        "name": np.array([r["name"] for r in rows], dtype=object),
        "is_key": np.array([r["is_key"] for r in rows], dtype=bool),
        "area_m2": np.array([r["area_m2"] for r in rows], dtype=float),
        "geom": shapely.from_wkb([bytes(r["g"]) for r in rows]),
    }


def network_fingerprint(conn: psycopg.Connection[Any]) -> str:
    """A hash of the walk network, the main streets and the districts."""
    row = conn.execute(
        "SELECT md5(concat_ws('|',"
        " (SELECT string_agg(md5(id || ':' || source || ':' || target || ':' || length_m"
        "   || ':' || md5(ST_AsBinary(geom))), '' ORDER BY id) FROM walk_edges),"
        " (SELECT string_agg(md5(id || ':' || coalesce(name, '') || ':' || walkable || ':'"
        "   || length_m || ':' || md5(ST_AsBinary(geom))), '' ORDER BY id)"
        "  FROM streets WHERE is_main),"
        " (SELECT string_agg(md5(id || ':' || coalesce(name, '') || ':' || not_walkable"
        "   || ':' || length_m), '' ORDER BY id) FROM streets WHERE excluded_main),"
        " (SELECT string_agg(md5(name || ':' || is_key || ':' || md5(ST_AsBinary(geom))), ''"
        "   ORDER BY name) FROM districts))) AS f"
    ).fetchone()
    return str(row["f"]) if row else ""


# -- snapshots ------------------------------------------------------------------------

_KEY = "as_of = %s AND kind = %s AND distance_m = %s AND mode = %s AND cell_m = %s"


def find_snapshot(
    conn: psycopg.Connection[Any],
    key: tuple[dt.date, str, float, str, float],
    fingerprint: str | None,
) -> dict[str, Any] | None:
    """The snapshot for ``key`` whose inputs had ``fingerprint`` (None: the latest)."""
    query = "SELECT * FROM coverage_snapshots WHERE " + _KEY
    params: tuple[Any, ...] = key
    if fingerprint is not None:
        query += " AND fingerprint = %s"
        params = (*key, fingerprint)
    row = conn.execute(query + " ORDER BY computed_at DESC, id DESC LIMIT 1", params).fetchone()
    return dict(row) if row else None


def latest_snapshot(
    conn: psycopg.Connection[Any], kind: str, distance_m: float, mode: str, as_of: dt.date
) -> dict[str, Any] | None:
    """The most recent snapshot on or before ``as_of`` for kind/distance/mode."""
    row = conn.execute(
        "SELECT * FROM coverage_snapshots WHERE kind = %s AND distance_m = %s AND mode = %s"
        " AND as_of <= %s ORDER BY as_of DESC, computed_at DESC, id DESC LIMIT 1",
        (kind, distance_m, mode, as_of),
    ).fetchone()
    return dict(row) if row else None


def snapshots_on(
    conn: psycopg.Connection[Any],
    kind: str,
    distance_m: float,
    mode: str,
    cell_m: float,
    dates: Iterable[dt.date],
) -> dict[tuple[dt.date, str], dict[str, Any]]:
    """The stored snapshots on ``dates``, by (as_of, fingerprint), latest of each."""
    rows = conn.execute(
        "SELECT DISTINCT ON (as_of, fingerprint) * FROM coverage_snapshots WHERE kind = %s"
        " AND distance_m = %s AND mode = %s AND cell_m = %s AND as_of = ANY(%s)"
        " ORDER BY as_of, fingerprint, computed_at DESC, id DESC",
        (kind, distance_m, mode, cell_m, list(dates)),
    ).fetchall()
    return {(r["as_of"], r["fingerprint"]): dict(r) for r in rows}


def save_snapshot(
    conn: psycopg.Connection[Any],
    key: tuple[dt.date, str, float, str, float],
    fingerprint: str,
    figures: Mapping[str, Any],
    geoms: Iterable[Mapping[str, Any]],
    seconds: float,
) -> int:
    """Store a snapshot and its geometries (WGS-84) in one transaction; returns its id.

    Two requests that computed the same snapshot at once (two planners asking for the
    same trend) take turns on an advisory lock; the second keeps the first's snapshot,
    which has the same inputs (key and fingerprint), and returns its id."""
    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            ("coverage_snapshot:" + "|".join(map(str, key)) + "|" + fingerprint,),
        )
        existing = conn.execute(
            "SELECT id FROM coverage_snapshots WHERE " + _KEY + " AND fingerprint = %s",
            (*key, fingerprint),
        ).fetchone()
        if existing is not None:
            return int(existing["id"])
        row = conn.execute(
            "INSERT INTO coverage_snapshots (as_of, kind, distance_m, mode, cell_m, fingerprint,"
            " figures, seconds) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (*key, fingerprint, Jsonb(dict(figures)), seconds),
        ).fetchone()
        assert row is not None
        snap_id = int(row["id"])
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY coverage_geoms (snapshot_id, role, street, district, measure, geom)"
                " FROM STDIN"
            ) as copy,
        ):
            copy.set_types(["int8", "text", "text", "text", "float8", "text"])
            for g in geoms:
                wkb = shapely.to_wkb(shapely.set_srid(g["geom"], 4326), hex=True, include_srid=True)
                copy.write_row(
                    (snap_id, g["role"], g.get("street"), g.get("district"), g["measure"], wkb)
                )
    return snap_id


def snapshot_geoms(
    conn: psycopg.Connection[Any], snapshot_id: int, roles: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The geometries of a snapshot (WGS-84 shapely), largest measure first per role."""
    query = (
        "SELECT role, street, district, measure, ST_AsBinary(geom) AS g FROM coverage_geoms"
        " WHERE snapshot_id = %s"
    )
    params: list[Any] = [snapshot_id]
    if roles is not None:
        query += " AND role = ANY(%s)"
        params.append(list(roles))
    rows = conn.execute(query + " ORDER BY role, measure DESC, id", params).fetchall()
    return [
        {
            **{k: r[k] for k in ("role", "street", "district", "measure")},
            "geom": shapely.from_wkb(bytes(r["g"])),
        }
        for r in rows
    ]


def targets(conn: psycopg.Connection[Any], kind: str | None = None) -> list[dict[str, Any]]:
    """The targets, optionally of one kind."""
    if kind is None:
        rows = conn.execute("SELECT * FROM targets ORDER BY deadline, kind, metric").fetchall()
    else:
        rows = conn.execute(
            "SELECT * FROM targets WHERE kind = %s ORDER BY deadline, metric", (kind,)
        ).fetchall()
    return [dict(r) for r in rows]
