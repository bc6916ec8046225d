"""SQL for staff edits of stations: locks, duplicate candidates, versioned writes, review.

Every write happens inside the caller's transaction, after ``set_actor``, so the audit
triggers of migration 0001 record who did it and why. Updates name the version they were
based on (``WHERE id = %s AND version = %s``), so two people editing at once can never
overwrite each other.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from psycopg import sql

from geo.db.stations import INPUT_COLUMNS

#: Columns a person may set (through StationInput) when creating or editing a station.
EDITABLE = INPUT_COLUMNS

_VIEW = """
    SELECT id, kind, name, address, district, level, host_org, phone, opening_hours, services,
           status, status_reason, review_state, review_comment, opened_on, closed_on, is_demo,
           source, external_id, ST_X(geom) AS lon, ST_Y(geom) AS lat, version,
           created_by, created_at, updated_by, updated_at
    FROM stations
"""


def get(
    conn: psycopg.Connection[Any], station_id: int, *, for_update: bool = False
) -> dict[str, Any] | None:
    """One station as staff see it (any review state), or None."""
    query = _VIEW + " WHERE id = %s" + (" FOR UPDATE" if for_update else "")
    return conn.execute(query, (station_id,)).fetchone()


def list_for_staff(
    conn: psycopg.Connection[Any],
    *,
    created_by: str | None = None,
    review_state: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Stations newest change first, optionally only one creator's / review state / kind."""
    where = []
    params: list[Any] = []
    for column, value in (
        ("created_by", created_by),
        ("review_state", review_state),
        ("kind", kind),
    ):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    query = _VIEW + (" WHERE " + " AND ".join(where) if where else "")
    query += " ORDER BY updated_at DESC, id DESC LIMIT %s OFFSET %s"
    return conn.execute(query, (*params, limit, offset)).fetchall()


def pending_review(conn: psycopg.Connection[Any], limit: int = 200) -> list[dict[str, Any]]:
    """Stations waiting for review, oldest submission first."""
    return conn.execute(
        _VIEW + " WHERE review_state = 'pending_review' ORDER BY created_at, id LIMIT %s",
        (limit,),
    ).fetchall()


def nearby(
    conn: psycopg.Connection[Any], lon: float, lat: float, radius_m: float, limit: int = 50
) -> list[dict[str, Any]]:
    """Stations within ``radius_m`` of a WGS-84 point (not rejected ones), nearest first."""
    return conn.execute(
        "SELECT id, kind, name, address, status, review_state, ST_X(geom) AS lon,"
        " ST_Y(geom) AS lat, ST_Distance(geom::geography, p.g) AS distance_m"
        " FROM stations, (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS g) p"
        " WHERE review_state <> 'rejected' AND ST_DWithin(geom::geography, p.g, %s)"
        " ORDER BY distance_m LIMIT %s",
        (lon, lat, radius_m, limit),
    ).fetchall()


def outside_service_area_m(conn: psycopg.Connection[Any], lon: float, lat: float) -> float | None:
    """Metres from the union of the districts to a point: 0 inside; None with no districts."""
    row = conn.execute(
        "WITH area AS (SELECT ST_Union(geom) AS g FROM districts),"
        " p AS (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS g)"
        " SELECT CASE WHEN ST_Intersects(area.g, p.g) THEN 0"
        "   ELSE ST_Distance(area.g::geography, p.g::geography) END AS d"
        " FROM area, p WHERE area.g IS NOT NULL",
        (lon, lat),
    ).fetchone()
    return None if row is None else float(row["d"])


# ----------------------------------------------------------------- duplicate checks


def lock_keys(kind: str, lon: float, lat: float, radius_m: float) -> list[int]:
    """Advisory-lock keys for ``kind`` in the grid cell of a point and its 8 neighbours.

    Cells are square in degrees and at least ``2 * radius_m`` tall, so at latitudes below
    60° any two points within ``radius_m`` of each other share a cell among their
    neighbourhoods: whoever checks for duplicates near one of them waits for the other.
    """
    size = max(0.01, 2.0 * radius_m / 111_320.0)
    i, j = math.floor(lon / size), math.floor(lat / size)
    keys = set()
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            digest = hashlib.blake2b(f"{kind}:{i + di}:{j + dj}".encode(), digest_size=8)
            keys.add(int.from_bytes(digest.digest(), "big", signed=True))
    return sorted(keys)  # always the same order, so two lockers never deadlock


def lock_cells(conn: psycopg.Connection[Any], keys: Iterable[int]) -> None:
    """Hold transaction-scoped advisory locks on ``keys`` (released at commit/rollback)."""
    for key in keys:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))


def duplicate_candidates(
    conn: psycopg.Connection[Any],
    *,
    kind: str,
    lon: float,
    lat: float,
    name: str,
    radius_m: float,
    name_radius_m: float,
    similarity: float,
    exclude_ids: Iterable[int] = (),
    same_record: tuple[str | None, str | None] | None = None,
) -> list[dict[str, Any]]:
    """Same-kind stations within ``radius_m``, or with a similar name within ``name_radius_m``.

    Names are compared by ``yizhan_name_key`` (migration 0002): equal keys, one key inside
    the other, or pg_trgm similarity of at least ``similarity``. Rejected submissions are
    not candidates.
    """
    return conn.execute(
        """
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS g,
                          yizhan_name_key(%(name)s) AS k)
        SELECT s.id, s.kind, s.name, s.address, s.status, s.review_state,
               round(ST_Distance(s.geom::geography, p.g)::numeric, 1)::float AS distance_m,
               round(similarity(yizhan_name_key(s.name), p.k)::numeric, 2)::float
                   AS name_similarity
        FROM stations s, p
        WHERE s.kind = %(kind)s AND s.review_state <> 'rejected' AND NOT s.id = ANY(%(ex)s)
          AND (%(src)s::text IS NULL
               OR (s.source, s.external_id) IS DISTINCT FROM (%(src)s::text, %(ext)s::text))
          AND ST_DWithin(s.geom::geography, p.g, %(far)s)
          AND (ST_DWithin(s.geom::geography, p.g, %(near)s)
               OR yizhan_name_key(s.name) = p.k
               OR (p.k <> '' AND strpos(yizhan_name_key(s.name), p.k) > 0)
               OR (yizhan_name_key(s.name) <> '' AND strpos(p.k, yizhan_name_key(s.name)) > 0)
               OR similarity(yizhan_name_key(s.name), p.k) >= %(sim)s)
        ORDER BY distance_m, s.id
        """,
        {
            "lon": lon,
            "lat": lat,
            "name": name,
            "kind": kind,
            "ex": list(exclude_ids),
            "src": (same_record or (None, None))[0],
            "ext": (same_record or (None, None))[1],
            "far": max(radius_m, name_radius_m),
            "near": radius_m,
            "sim": similarity,
        },
    ).fetchall()


# ----------------------------------------------------------------- writes


def insert(conn: psycopg.Connection[Any], values: Mapping[str, Any], review_state: str) -> int:
    """Insert a station (``values``: EDITABLE columns plus WGS-84 ``lon``/``lat``)."""
    columns = [c for c in EDITABLE if c in values]
    query = sql.SQL(
        "INSERT INTO stations ({cols}, review_state, geom)"
        " VALUES ({vals}, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id"
    ).format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        vals=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    params = [values[c] for c in columns] + [review_state, values["lon"], values["lat"]]
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row["id"])


def update_versioned(
    conn: psycopg.Connection[Any], station_id: int, version: int, changes: Mapping[str, Any]
) -> bool:
    """Apply ``changes`` if the station is still at ``version``; False when it is not.

    ``changes`` maps column names (and ``lon``/``lat`` together for the position). A
    change that alters nothing is skipped by the trigger and also returns False: the
    caller tells the cases apart by reading the current version.
    """
    sets = [
        sql.SQL("{} = %s").format(sql.Identifier(c)) for c in changes if c not in ("lon", "lat")
    ]
    params: list[Any] = [v for c, v in changes.items() if c not in ("lon", "lat")]
    if "lon" in changes:
        sets.append(sql.SQL("geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326)"))
        params += [changes["lon"], changes["lat"]]
    if not sets:
        return False
    query = sql.SQL("UPDATE stations SET {} WHERE id = %s AND version = %s RETURNING id").format(
        sql.SQL(", ").join(sets)
    )
    return conn.execute(query, (*params, station_id, version)).fetchone() is not None


def current_version(conn: psycopg.Connection[Any], station_id: int) -> int | None:
    row = conn.execute("SELECT version FROM stations WHERE id = %s", (station_id,)).fetchone()
    return None if row is None else int(row["version"])


def set_review(
    conn: psycopg.Connection[Any], station_id: int, state: str, comment: str | None
) -> bool:
    """Approve or reject a pending station; False when it is not pending (or absent)."""
    row = conn.execute(
        "UPDATE stations SET review_state = %s, review_comment = %s"
        " WHERE id = %s AND review_state = 'pending_review' RETURNING id",
        (state, comment, station_id),
    ).fetchone()
    return row is not None


def audit_rows(conn: psycopg.Connection[Any], station_id: int) -> list[dict[str, Any]]:
    """The station's audit rows, oldest first."""
    return conn.execute(
        "SELECT id, action, actor, reason, at, version, before, after FROM station_audit"
        " WHERE station_id = %s ORDER BY id",
        (station_id,),
    ).fetchall()
