"""SQL for inspections (``station_inspections``, ``inspection_photos``, migration 0014) and
the problems an inspection opens (its own INSERT into ``station_problems``; the public
reports' SQL is elsewhere). Called inside the caller's transaction with its actor set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

#: An inspection as read back: its station's name, its photos (id and item) and the
#: problems it opened (id, receipt, category, service, state).
_SELECT = """
SELECT i.id, i.station_id, s.name AS station_name, i.inspected_at, i.inspector,
       i.standard, i.checklist, i.open_at_hours, i.passed, i.lon, i.lat, i.accuracy_m,
       i.distance_m, i.comment,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.photo_id, 'item', p.item)
                                  ORDER BY p.id)
                 FROM inspection_photos p WHERE p.inspection_id = i.id), '[]') AS photos,
       coalesce((SELECT jsonb_agg(jsonb_build_object(
                            'id', sp.id, 'receipt', sp.receipt, 'category', sp.category,
                            'service', sp.service, 'state', sp.state) ORDER BY sp.id)
                 FROM station_problems sp WHERE sp.inspection_id = i.id), '[]') AS problems
FROM station_inspections i JOIN stations s ON s.id = i.station_id
"""

_PROBLEM = "id, receipt, station_id, category, service, state, details, photo_id, created_at"


def insert_inspection(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    *,
    station_id: int,
    inspected_at: dt.datetime,
    inspector: str,
    standard: str,
    checklist: list[dict[str, Any]],
    open_at_hours: bool | None,
    passed: bool,
    position: tuple[float, float] | None,
    accuracy_m: float | None,
    comment: str | None,
) -> dict[str, Any]:
    """Insert an inspection; its distance from the station (metres, on the spheroid) is
    computed here from the station's stored position (none for an unlocated station)."""
    lon, lat = position if position else (None, None)
    row = conn.execute(
        """INSERT INTO station_inspections (station_id, inspected_at, inspector, standard,
               checklist, open_at_hours, passed, lon, lat, accuracy_m, distance_m, comment,
               created_at)
           SELECT s.id, %(at)s, %(inspector)s, %(standard)s, %(checklist)s, %(open)s,
               %(passed)s, %(lon)s, %(lat)s, %(accuracy)s,
               CASE WHEN %(lon)s::float8 IS NULL OR s.geom IS NULL THEN NULL
                    ELSE ST_Distance(s.geom::geography,
                         ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography) END,
               %(comment)s, %(at)s
           FROM stations s WHERE s.id = %(station)s
           RETURNING id, distance_m""",
        {
            "station": station_id,
            "at": inspected_at,
            "inspector": inspector,
            "standard": standard,
            "checklist": Jsonb(checklist),
            "open": open_at_hours,
            "passed": passed,
            "lon": lon,
            "lat": lat,
            "accuracy": accuracy_m,
            "comment": comment,
        },
    ).fetchone()
    assert row is not None
    return dict(row)


def link_photo(
    conn: psycopg.Connection[Any], inspection_id: int, photo_id: int, item: str | None
) -> None:
    """Link a stored photo to the inspection (and the item it shows)."""
    conn.execute(
        "INSERT INTO inspection_photos (inspection_id, photo_id, item) VALUES (%s, %s, %s)",
        (inspection_id, photo_id, item),
    )


def lock_station_problems(conn: psycopg.Connection[Any], station_id: int) -> None:
    """Serialise, until the transaction ends, the opening of problems of one station (two
    inspections at once must not both open the same category, nor an inspection and a
    public report): the same lock the public reports take (``geo.db.problems``)."""
    from geo.db.problems import lock_station_reports

    lock_station_reports(conn, station_id)


def open_problem(
    conn: psycopg.Connection[Any], station_id: int, category: str, service: str | None
) -> dict[str, Any] | None:
    """The station's oldest open (new or confirmed) problem of this category (and
    service), or None."""
    return conn.execute(
        f"""SELECT {_PROBLEM} FROM station_problems
            WHERE station_id = %s AND category = %s AND service IS NOT DISTINCT FROM %s
              AND state IN ('new', 'confirmed')
            ORDER BY id LIMIT 1""",
        (station_id, category, service),
    ).fetchone()


def insert_problem(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    *,
    receipt: str,
    station_id: int,
    category: str,
    service: str | None,
    details: str,
    photo_id: int | None,
    inspection_id: int,
    decided_by: str,
    at: dt.datetime,
) -> dict[str, Any]:
    """A problem found by an inspection: confirmed at once (staff saw it)."""
    row = conn.execute(
        f"""INSERT INTO station_problems (receipt, station_id, category, service, details,
                photo_id, source, inspection_id, state, created_at, last_reported_at,
                decided_by, decided_at)
            VALUES (%s, %s, %s, %s, %s, %s, 'inspection', %s, 'confirmed', %s, %s, %s, %s)
            RETURNING {_PROBLEM}""",
        (receipt, station_id, category, service, details, photo_id, inspection_id, at, at,
         decided_by, at),
    ).fetchone()  # fmt: skip
    assert row is not None
    return dict(row)


def get_inspection(conn: psycopg.Connection[Any], inspection_id: int) -> dict[str, Any] | None:
    """One inspection as listed, or None."""
    return conn.execute(_SELECT + " WHERE i.id = %s", (inspection_id,)).fetchone()


def inspections(  # noqa: PLR0913 - the list's filters
    conn: psycopg.Connection[Any],
    *,
    station_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    failed: bool | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Inspections, newest first: of one station, made in [since, until), failed (not
    passed) or passed."""
    clauses: list[str] = ["TRUE"]
    params: list[Any] = []
    if station_id is not None:
        clauses.append("i.station_id = %s")
        params.append(station_id)
    if since is not None:
        clauses.append("i.inspected_at >= %s")
        params.append(since)
    if until is not None:
        clauses.append("i.inspected_at < %s")
        params.append(until)
    if failed is not None:
        clauses.append("i.passed = %s")
        params.append(not failed)
    query = _SELECT + " WHERE " + " AND ".join(clauses) + " ORDER BY i.inspected_at DESC, i.id DESC"
    return conn.execute(query + " LIMIT %s", (*params, limit)).fetchall()
