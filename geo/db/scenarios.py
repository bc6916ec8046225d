"""SQL of the what-if scenarios (migration 0017) and the cheap token of the inputs the
what-if base state depends on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

_COLUMNS = (
    "id, name, kind, as_of, distance_m, changes, note, archived, version, "
    "created_by, created_at, updated_by, updated_at"
)


def lock_name(conn: psycopg.Connection[Any], name: str) -> None:
    """Serialise, until the transaction ends, the writes that could give two active
    scenarios the same name."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('scenarios:' || %s))", (name,))


def insert(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    name: str,
    kind: str,
    as_of: dt.date,
    distance_m: float | None,
    changes: list[dict[str, Any]],
    note: str | None,
) -> dict[str, Any]:
    """A new scenario (who and when from the transaction's actor)."""
    row = conn.execute(
        "INSERT INTO scenarios (name, kind, as_of, distance_m, changes, note)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING " + _COLUMNS,
        (name, kind, as_of, distance_m, Jsonb(changes), note),
    ).fetchone()
    assert row is not None
    return dict(row)


def update(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    scenario_id: int,
    name: str,
    kind: str,
    as_of: dt.date,
    distance_m: float | None,
    changes: list[dict[str, Any]],
    note: str | None,
) -> dict[str, Any] | None:
    """Replace a scenario's content; None when there is no such scenario."""
    conn.execute(
        "UPDATE scenarios SET name = %s, kind = %s, as_of = %s, distance_m = %s,"
        " changes = %s, note = %s WHERE id = %s",
        (name, kind, as_of, distance_m, Jsonb(changes), note, scenario_id),
    )
    return get(conn, scenario_id)


def archive(conn: psycopg.Connection[Any], scenario_id: int) -> dict[str, Any] | None:
    """Archive a scenario (its name is free again); None when there is none."""
    conn.execute("UPDATE scenarios SET archived = true WHERE id = %s", (scenario_id,))
    return get(conn, scenario_id)


def get(
    conn: psycopg.Connection[Any], scenario_id: int, *, for_update: bool = False
) -> dict[str, Any] | None:
    """One scenario, archived or not."""
    row = conn.execute(
        "SELECT "
        + _COLUMNS
        + " FROM scenarios WHERE id = %s"
        + (" FOR UPDATE" if for_update else ""),
        (scenario_id,),
    ).fetchone()
    return dict(row) if row else None


def get_many(conn: psycopg.Connection[Any], ids: list[int]) -> list[dict[str, Any]]:
    """Scenarios by id (in no particular order; missing ids are left out)."""
    rows = conn.execute(
        "SELECT " + _COLUMNS + " FROM scenarios WHERE id = ANY(%s)", (ids,)
    ).fetchall()
    return [dict(r) for r in rows]


def active_named(conn: psycopg.Connection[Any], name: str) -> dict[str, Any] | None:
    """The active scenario of that name, if any."""
    row = conn.execute(
        "SELECT " + _COLUMNS + " FROM scenarios WHERE name = %s AND NOT archived", (name,)
    ).fetchone()
    return dict(row) if row else None


def list_all(conn: psycopg.Connection[Any], *, archived: bool = False) -> list[dict[str, Any]]:
    """Active scenarios (and the archived ones too with ``archived``), newest first."""
    rows = conn.execute(
        "SELECT " + _COLUMNS + " FROM scenarios WHERE %s OR NOT archived"
        " ORDER BY updated_at DESC, id DESC",
        (archived,),
    ).fetchall()
    return [dict(r) for r in rows]


def audit_rows(conn: psycopg.Connection[Any], scenario_id: int) -> list[dict[str, Any]]:
    """The audit trail of one scenario, oldest first."""
    rows = conn.execute(
        "SELECT action, actor, at, before, after FROM operations_audit"
        " WHERE table_name = 'scenarios' AND row_id = %s ORDER BY id",
        (scenario_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def districts_token(conn: psycopg.Connection[Any]) -> str:
    """A cheap token of the districts (names, key flags, areas, vertex counts): with the
    walk network's version, what the what-if base state is cached under (the full
    :func:`geo.db.coverage.network_fingerprint` hashes every geometry, too slow per
    request)."""
    row = conn.execute(
        "SELECT md5(coalesce(string_agg(id || ':' || name || ':' || is_key || ':' || area_m2"
        " || ':' || ST_NPoints(geom) || ':' || imported_at, ',' ORDER BY id), ''))"
        " AS t FROM districts"
    ).fetchone()
    return str(row["t"]) if row else ""


def main_streets_token(conn: psycopg.Connection[Any]) -> str:
    """A cheap token of which streets are main streets (their flags can change without
    a new walk network)."""
    row = conn.execute(
        "SELECT md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) AS t"
        " FROM streets WHERE is_main"
    ).fetchone()
    return str(row["t"]) if row else ""
