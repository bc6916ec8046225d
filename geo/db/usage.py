"""SQL for check-ins and paper visitor counts (tables ``station_checkins`` and
``station_usage``, migration 0014): the only module that reads or writes them.

Writes happen in the caller's transaction after ``set_actor``; the triggers of migration
0014 audit every row (without the device and client hashes) and refuse deletes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def lock_checkins(conn: psycopg.Connection[Any], *keys: str) -> None:
    """Serialise check-ins of the same device and client until the transaction ends, so
    two taps at once cannot both pass the limits (keys are taken in a fixed order)."""
    for key in sorted(set(keys)):
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 15))", ("checkin:" + key,))


def last_checkin(
    conn: psycopg.Connection[Any], device_hash: str, station_id: int
) -> dt.datetime | None:
    """When this device last checked in at this station, or None."""
    row = conn.execute(
        "SELECT max(at) AS at FROM station_checkins WHERE device_hash = %s AND station_id = %s",
        (device_hash, station_id),
    ).fetchone()
    return None if row is None else row["at"]


def client_checkins_since(
    conn: psycopg.Connection[Any], client_hash: str, since: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """How many check-ins this client made after ``since``, and the earliest of them."""
    row = conn.execute(
        "SELECT count(*) AS n, min(at) AS first FROM station_checkins"
        " WHERE client_hash = %s AND at > %s",
        (client_hash, since),
    ).fetchone()
    assert row is not None
    return int(row["n"]), row["first"]


def insert_checkin(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    station_id: int,
    at: dt.datetime,
    day: dt.date,
    occupation: str | None,
    device_hash: str,
    client_hash: str,
) -> int:
    """Store one check-in; returns its id."""
    row = conn.execute(
        "INSERT INTO station_checkins (station_id, at, day, occupation, device_hash, client_hash)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
        (station_id, at, day, occupation, device_hash, client_hash),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def checkins_on(conn: psycopg.Connection[Any], station_id: int, day: dt.date) -> int:
    """How many check-ins this station had on the city's ``day``."""
    row = conn.execute(
        "SELECT count(*) AS n FROM station_checkins WHERE station_id = %s AND day = %s",
        (station_id, day),
    ).fetchone()
    assert row is not None
    return int(row["n"])


def upsert_usage(  # noqa: PLR0913 - one column each
    conn: psycopg.Connection[Any],
    station_id: int,
    day: dt.date,
    visitors: int,
    by_occupation: dict[str, int] | None,
    note: str | None,
) -> tuple[dict[str, Any], bool]:
    """Insert the day's paper count of a station, or correct the one stored (by station and
    day); the person is the transaction's actor. Returns the row and whether it is new."""
    row = conn.execute(
        """INSERT INTO station_usage (station_id, day, visitors, by_occupation, note, entered_by)
           VALUES (%s, %s, %s, %s, %s, yizhan_actor())
           ON CONFLICT (station_id, day) DO UPDATE SET visitors = EXCLUDED.visitors,
               by_occupation = EXCLUDED.by_occupation, note = EXCLUDED.note,
               entered_by = EXCLUDED.entered_by, entered_at = now()
           RETURNING *, (xmax = 0) AS created""",
        (station_id, day, visitors, Jsonb(by_occupation) if by_occupation else None, note),
    ).fetchone()
    assert row is not None
    out = dict(row)
    return out, bool(out.pop("created"))


def checkins_by_day(
    conn: psycopg.Connection[Any], station_id: int, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Check-ins of a station per day and occupation (``occupation`` None: not given)
    between ``start`` and ``end`` inclusive: rows (day, occupation, n)."""
    return list(
        conn.execute(
            "SELECT day, occupation, count(*) AS n FROM station_checkins"
            " WHERE station_id = %s AND day BETWEEN %s AND %s"
            " GROUP BY day, occupation ORDER BY day, occupation NULLS LAST",
            (station_id, start, end),
        ).fetchall()
    )


def usage_between(
    conn: psycopg.Connection[Any], station_id: int, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """The paper counts of a station between ``start`` and ``end`` inclusive, by day."""
    return list(
        conn.execute(
            "SELECT day, visitors, by_occupation, note, entered_by, entered_at"
            " FROM station_usage WHERE station_id = %s AND day BETWEEN %s AND %s ORDER BY day",
            (station_id, start, end),
        ).fetchall()
    )
