"""SQL for station problems (tables ``station_problems`` of migration 0014 and
``problem_reports`` of 0016). The rules are :mod:`geo.operations.problems`'; every time is
passed in from :mod:`geo.clock`, never SQL ``now()``, so a frozen clock moves it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

_OPEN = ("new", "confirmed")


def reports_since(
    conn: psycopg.Connection[Any], *, client_hash: str | None, station_id: int | None, since: Any
) -> tuple[int, dt.datetime | None]:
    """How many reports one client (or one station) sent since ``since``, and the oldest
    of them (when the limit frees a place)."""
    row = conn.execute(
        """SELECT count(*) AS n, min(at) AS oldest FROM problem_reports
           WHERE at > %(since)s
             AND (%(client)s::text IS NULL OR client_hash = %(client)s)
             AND (%(station)s::bigint IS NULL OR station_id = %(station)s)""",
        {"since": since, "client": client_hash, "station": station_id},
    ).fetchone()
    assert row is not None
    return int(row["n"]), row["oldest"]


def lock_open(
    conn: psycopg.Connection[Any], station_id: int, category: str
) -> dict[str, Any] | None:
    """The open (new or confirmed) problem of this station and category, locked."""
    return conn.execute(
        """SELECT * FROM station_problems
           WHERE station_id = %s AND category = %s AND state = ANY(%s)
           ORDER BY id LIMIT 1 FOR UPDATE""",
        (station_id, category, list(_OPEN)),
    ).fetchone()


def lock_station_reports(conn: psycopg.Connection[Any], station_id: int) -> None:
    """Serialise reports of one station inside the transaction (the collapse check and
    the insert must not race)."""
    conn.execute("SELECT pg_advisory_xact_lock(15015, %s::int)", (station_id % 2_000_000_000,))


def insert_problem(conn: psycopg.Connection[Any], values: dict[str, Any]) -> dict[str, Any]:
    """Insert a problem (``values``: receipt, station_id, category, service, details,
    photo_id, phone, source, client_hash, inspection_id, at) and return it."""
    row = conn.execute(
        """INSERT INTO station_problems (receipt, station_id, category, service, details,
               photo_id, phone, source, client_hash, inspection_id, created_at,
               last_reported_at)
           VALUES (%(receipt)s, %(station_id)s, %(category)s, %(service)s, %(details)s,
               %(photo_id)s, %(phone)s, %(source)s, %(client_hash)s, %(inspection_id)s,
               %(at)s, %(at)s)
           RETURNING *""",
        values,
    ).fetchone()
    assert row is not None
    return dict(row)


def add_report(conn: psycopg.Connection[Any], problem_id: int, at: Any) -> dict[str, Any]:
    """One more report collapsed into an open problem."""
    row = conn.execute(
        """UPDATE station_problems SET reports = reports + 1,
               last_reported_at = greatest(last_reported_at, %s)
           WHERE id = %s RETURNING *""",
        (at, problem_id),
    ).fetchone()
    assert row is not None
    return dict(row)


def log_report(  # noqa: PLR0913 - one row of the report log
    conn: psycopg.Connection[Any],
    problem_id: int,
    station_id: int,
    client_hash: str | None,
    at: Any,
    *,
    merged: bool,
) -> None:
    """Keep one row per report received (the abuse limits count them)."""
    conn.execute(
        """INSERT INTO problem_reports (problem_id, station_id, client_hash, at, merged)
           VALUES (%s, %s, %s, %s, %s)""",
        (problem_id, station_id, client_hash, at, merged),
    )


def by_receipt(conn: psycopg.Connection[Any], receipt: str) -> dict[str, Any] | None:
    """The problem with this receipt (state and dates only are shown to the public)."""
    return conn.execute(
        """SELECT receipt, state, category, created_at, last_reported_at, resolved_at
           FROM station_problems WHERE receipt = %s""",
        (receipt,),
    ).fetchone()


def lock(conn: psycopg.Connection[Any], problem_id: int) -> dict[str, Any] | None:
    """The problem with this id, locked for a decision."""
    return conn.execute(
        "SELECT * FROM station_problems WHERE id = %s FOR UPDATE", (problem_id,)
    ).fetchone()


def decide(conn: psycopg.Connection[Any], problem_id: int, changes: dict[str, Any]) -> None:
    """Write a decision's columns (state, decided_*, resolved_*, comment, closed_station)."""
    allowed = {
        "state",
        "decided_by",
        "decided_at",
        "resolved_by",
        "resolved_at",
        "comment",
        "closed_station",
    }
    cols = [c for c in changes if c in allowed]
    sets = ", ".join(f"{c} = %({c})s" for c in cols)
    conn.execute(
        f"UPDATE station_problems SET {sets} WHERE id = %(id)s",  # noqa: S608 - fixed names
        {**{c: changes[c] for c in cols}, "id": problem_id},
    )


_QUEUE = """
SELECT p.id, p.receipt, p.station_id, s.name AS station_name, s.status AS station_status,
       s.version AS station_version, p.category, p.service, p.details, p.photo_id, p.phone,
       p.source, p.inspection_id, p.reports, p.state, p.created_at, p.last_reported_at,
       p.decided_by, p.decided_at, p.resolved_by, p.resolved_at, p.comment,
       p.closed_station
FROM station_problems p JOIN stations s ON s.id = p.station_id
WHERE (%(state)s::text IS NULL OR p.state = %(state)s)
  AND (%(station)s::bigint IS NULL OR p.station_id = %(station)s)
  AND (%(category)s::text IS NULL OR p.category = %(category)s)
  AND (%(source)s::text IS NULL OR p.source = %(source)s)
ORDER BY p.last_reported_at DESC, p.id DESC
LIMIT %(limit)s
"""


def queue(  # noqa: PLR0913 - the queue's filters
    conn: psycopg.Connection[Any],
    *,
    state: str | None,
    station_id: int | None,
    category: str | None,
    source: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Problems for staff, newest report first, with their station's name and status."""
    params = {
        "state": state,
        "station": station_id,
        "category": category,
        "source": source,
        "limit": limit,
    }
    return [dict(r) for r in conn.execute(_QUEUE, params).fetchall()]


def get(conn: psycopg.Connection[Any], problem_id: int) -> dict[str, Any] | None:
    """One problem as the queue shows it."""
    rows = conn.execute(
        _QUEUE.replace("WHERE (", "WHERE p.id = %(id)s AND (", 1),
        {
            "id": problem_id,
            "state": None,
            "station": None,
            "category": None,
            "source": None,
            "limit": 1,
        },
    ).fetchall()
    return dict(rows[0]) if rows else None


def erase_phones(conn: psycopg.Connection[Any], before: Any) -> int:
    """Set NULL the phone of every problem reported before ``before`` (audited by the
    table's trigger without the number); returns how many."""
    cur = conn.execute(
        "UPDATE station_problems SET phone = NULL WHERE phone IS NOT NULL AND created_at < %s",
        (before,),
    )
    return cur.rowcount


def confirmed_notices(conn: psycopg.Connection[Any], station_id: int) -> list[dict[str, Any]]:
    """The categories of a station's confirmed open problems, with since when (the first
    confirmation of each): never details, phones or photos."""
    return list(
        conn.execute(
            """SELECT category, min(decided_at) AS since FROM station_problems
               WHERE station_id = %s AND state = 'confirmed'
               GROUP BY category ORDER BY min(decided_at), category""",
            (station_id,),
        ).fetchall()
    )


def last_verified(conn: psycopg.Connection[Any], station_id: int) -> dt.datetime | None:
    """When staff last verified the station on the spot (view station_last_verified)."""
    row = conn.execute(
        "SELECT verified_at FROM station_last_verified WHERE station_id = %s", (station_id,)
    ).fetchone()
    return None if row is None else row["verified_at"]
