"""SQL of the yearly station evaluation (issue 15): the only reads it makes.

Every read is bounded by a period ``[start, as_of]`` of the city's days: an event counts
on the city's day it happened (``AT TIME ZONE %(tz)s``), and nothing after ``as_of`` is
read, so the answers for an as-of date never change when later events are stored (a
record dated on or before ``as_of`` but entered later is data like any other). A
problem's state is taken as of ``as_of`` from its timestamps (``decided_at``,
``resolved_at``), not from its current ``state`` alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from geo.stations.sql import status_params

#: Stations that served people on some day of ``[start, as_of]``: approved, located, had
#: opened by ``as_of`` (an undated station never counts, as for coverage) and not closed
#: before ``start``.
_OPERATING_DURING = """
    geom IS NOT NULL AND review_state = 'approved' AND opened_on <= %(as_of)s
    AND (status = ANY(%(operating_statuses)s)
         OR (status = ANY(%(closed_statuses)s) AND closed_on > %(start)s))
"""


def _params(start: dt.date, as_of: dt.date, tz: str, **more: Any) -> dict[str, Any]:
    return {"start": start, "as_of": as_of, "tz": tz, **status_params(), **more}


def stations(
    conn: psycopg.Connection[Any], start: dt.date, as_of: dt.date, kind: str | None = None
) -> list[dict[str, Any]]:
    """The stations operating on some day of ``[start, as_of]`` (of ``kind``), by id:
    id, name, kind, district, services, status, opened_on and closed_on (null unless
    closed)."""
    return conn.execute(
        "SELECT id, name, kind, district, services, status, opened_on,"
        " CASE WHEN status = ANY(%(closed_statuses)s) THEN closed_on END AS closed_on"
        " FROM stations WHERE (%(kind)s::text IS NULL OR kind = %(kind)s) AND "
        + _OPERATING_DURING
        + " ORDER BY id",
        _params(start, as_of, "UTC", kind=kind),
    ).fetchall()


def inspections(
    conn: psycopg.Connection[Any], start: dt.date, as_of: dt.date, tz: str
) -> list[dict[str, Any]]:
    """Inspections made on a day of ``[start, as_of]``: station, day, open_at_hours,
    passed."""
    return conn.execute(
        """SELECT station_id, (inspected_at AT TIME ZONE %(tz)s)::date AS day,
                  open_at_hours, passed
           FROM station_inspections
           WHERE (inspected_at AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(as_of)s
           ORDER BY station_id, inspected_at, id""",
        _params(start, as_of, tz),
    ).fetchall()


def last_verified(conn: psycopg.Connection[Any], as_of: dt.date, tz: str) -> dict[int, dt.date]:
    """Each station's last day verified on the spot (any inspection) up to ``as_of``."""
    rows = conn.execute(
        """SELECT station_id, max((inspected_at AT TIME ZONE %(tz)s)::date) AS day
           FROM station_inspections
           WHERE (inspected_at AT TIME ZONE %(tz)s)::date <= %(as_of)s
           GROUP BY station_id""",
        {"as_of": as_of, "tz": tz},
    ).fetchall()
    return {int(r["station_id"]): r["day"] for r in rows}


def problems(
    conn: psycopg.Connection[Any], start: dt.date, as_of: dt.date, tz: str
) -> list[dict[str, Any]]:
    """Problems reported by ``as_of`` and not resolved before ``start``, each as it stood
    at the end of ``as_of``: ``created`` (day), ``confirmed`` (the day staff confirmed it,
    null if not confirmed by then), ``resolved`` (the day it was fixed or dismissed, null
    if not by then) and ``outcome`` (fixed or dismissed, of a resolved one)."""
    return conn.execute(
        """WITH p AS (
             SELECT station_id, category,
                    (created_at AT TIME ZONE %(tz)s)::date AS created,
                    CASE WHEN state IN ('confirmed', 'fixed')
                         THEN (coalesce(decided_at, resolved_at) AT TIME ZONE %(tz)s)::date
                    END AS confirmed,
                    (resolved_at AT TIME ZONE %(tz)s)::date AS resolved,
                    state
             FROM station_problems)
           SELECT station_id, category, created,
                  CASE WHEN confirmed <= %(as_of)s THEN confirmed END AS confirmed,
                  CASE WHEN resolved <= %(as_of)s THEN resolved END AS resolved,
                  CASE WHEN resolved <= %(as_of)s THEN state END AS outcome
           FROM p
           WHERE created <= %(as_of)s AND (resolved IS NULL OR resolved >= %(start)s)
           ORDER BY station_id, created""",
        _params(start, as_of, tz),
    ).fetchall()


def checkins(conn: psycopg.Connection[Any], start: dt.date, as_of: dt.date) -> list[dict[str, Any]]:
    """Check-ins of the days ``[start, as_of]`` per station and occupation (null: not
    given): station_id, occupation, n."""
    return conn.execute(
        """SELECT station_id, occupation, count(*) AS n FROM station_checkins
           WHERE day BETWEEN %(start)s AND %(as_of)s
           GROUP BY station_id, occupation ORDER BY station_id, occupation""",
        {"start": start, "as_of": as_of},
    ).fetchall()


def usage(conn: psycopg.Connection[Any], start: dt.date, as_of: dt.date) -> list[dict[str, Any]]:
    """Visitors counted on paper on the days ``[start, as_of]``: station_id, day,
    visitors, by_occupation."""
    return conn.execute(
        """SELECT station_id, day, visitors, by_occupation FROM station_usage
           WHERE day BETWEEN %(start)s AND %(as_of)s ORDER BY station_id, day""",
        {"start": start, "as_of": as_of},
    ).fetchall()
