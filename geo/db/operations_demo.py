"""SQL of the demo's synthetic year of operations (``geo.operations.demo``).

Every row belongs to a demo station (``stations.is_demo``) and is written under the
actor ``demo``. Nothing of migration 0014 can be deleted, so a reload finds each row
again by a natural key and writes the demo's values over it instead of adding a second
one: photos by their SHA-256 (created by ``demo``), inspections by station, inspector and
time, problems by receipt, check-ins by station, device and time, usage by station and
day. A value that did not change writes no audit row (the trigger skips it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from geo.photos import CleanPhoto

# Serialises demo loads: two at once would both miss the other's rows and add them twice.
_LOCK_KEY = "yizhan-demo-activity"


def lock(conn: psycopg.Connection[Any]) -> None:
    """Hold the demo activity's lock until the caller's transaction ends."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))


def demo_stations(conn: psycopg.Connection[Any], sources: Sequence[str]) -> list[dict[str, Any]]:
    """The demo stations loaded from ``sources``, by external id."""
    return list(
        conn.execute(
            """SELECT id, external_id, kind, status, review_state, opened_on, opening_hours,
                      services, ST_X(geom) AS lon, ST_Y(geom) AS lat
               FROM stations
               WHERE is_demo AND source = ANY(%s) AND external_id IS NOT NULL
               ORDER BY external_id""",
            (list(sources),),
        ).fetchall()
    )


def upsert_photo(conn: psycopg.Connection[Any], photo: CleanPhoto, at: dt.datetime) -> int:
    """The id of the demo's copy of ``photo`` (stored once, dated ``at``)."""
    found = conn.execute(
        """SELECT id FROM photos WHERE sha256 = %s AND created_by = yizhan_actor()
           ORDER BY id LIMIT 1""",
        (photo.sha256,),
    ).fetchone()
    if found is not None:
        return int(found["id"])
    row = conn.execute(
        """INSERT INTO photos (sha256, content_type, width, height, bytes, created_by,
                               created_at)
           VALUES (%s, %s, %s, %s, %s, yizhan_actor(), %s) RETURNING id""",
        (photo.sha256, photo.content_type, photo.width, photo.height, photo.data, at),
    ).fetchone()
    assert row is not None
    return int(row["id"])


_INSPECTION_FIELDS = (
    "standard",
    "checklist",
    "open_at_hours",
    "passed",
    "lon",
    "lat",
    "accuracy_m",
    "comment",
)


def upsert_inspection(conn: psycopg.Connection[Any], values: dict[str, Any]) -> int:
    """Insert the inspection, or write its values over the one of the same station,
    inspector and time; the distance to the station is measured here. Returns its id."""
    params = {**values, "checklist": Jsonb(values["checklist"])}
    found = conn.execute(
        """SELECT id FROM station_inspections
           WHERE station_id = %(station_id)s AND inspector = %(inspector)s
             AND inspected_at = %(inspected_at)s""",
        params,
    ).fetchone()
    distance = """(SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography,
                                      s.geom::geography)
                   FROM stations s WHERE s.id = %(station_id)s)"""
    if found is None:
        row = conn.execute(
            f"""INSERT INTO station_inspections (station_id, inspected_at, inspector,
                    {", ".join(_INSPECTION_FIELDS)}, distance_m, created_at)
                VALUES (%(station_id)s, %(inspected_at)s, %(inspector)s,
                    {", ".join(f"%({f})s" for f in _INSPECTION_FIELDS)}, {distance},
                    %(inspected_at)s)
                RETURNING id""",  # noqa: S608 - the column names are this module's constants
            params,
        ).fetchone()
        assert row is not None
        return int(row["id"])
    conn.execute(
        f"""UPDATE station_inspections
            SET {", ".join(f"{f} = %({f})s" for f in _INSPECTION_FIELDS)},
                distance_m = {distance}
            WHERE id = %(id)s""",  # noqa: S608 - the column names are this module's constants
        {**params, "id": found["id"]},
    )
    return int(found["id"])


def link_photo(
    conn: psycopg.Connection[Any], inspection_id: int, photo_id: int, item: str | None
) -> None:
    """Attach a photo to an inspection (once)."""
    conn.execute(
        """INSERT INTO inspection_photos (inspection_id, photo_id, item) VALUES (%s, %s, %s)
           ON CONFLICT (inspection_id, photo_id) DO NOTHING""",
        (inspection_id, photo_id, item),
    )


_PROBLEM_FIELDS = (
    "station_id",
    "category",
    "service",
    "details",
    "photo_id",
    "source",
    "inspection_id",
    "reports",
    "state",
    "created_at",
    "last_reported_at",
    "decided_by",
    "decided_at",
    "resolved_by",
    "resolved_at",
    "comment",
    "closed_station",
)


def upsert_problems(conn: psycopg.Connection[Any], rows: Iterable[dict[str, Any]]) -> None:
    """Insert the problems, or write the demo's values over those with the same receipt.
    A phone is written only with a new row: once erased (retention) it stays erased."""
    cols = ("receipt", "phone", *_PROBLEM_FIELDS)
    conn.cursor().executemany(
        f"""INSERT INTO station_problems ({", ".join(cols)})
            VALUES ({", ".join(f"%({c})s" for c in cols)})
            ON CONFLICT (receipt) DO UPDATE
            SET {", ".join(f"{c} = EXCLUDED.{c}" for c in _PROBLEM_FIELDS)}""",  # noqa: S608
        list(rows),
    )


def insert_checkins(conn: psycopg.Connection[Any], rows: Iterable[dict[str, Any]]) -> None:
    """Insert the check-ins not already there (same station, device and time)."""
    conn.cursor().executemany(
        """INSERT INTO station_checkins (station_id, at, day, occupation, device_hash)
           SELECT %(station_id)s, %(at)s, %(day)s, %(occupation)s, %(device_hash)s
           WHERE NOT EXISTS (
               SELECT 1 FROM station_checkins
               WHERE device_hash = %(device_hash)s AND station_id = %(station_id)s
                 AND at = %(at)s)""",
        list(rows),
    )


def upsert_usage(conn: psycopg.Connection[Any], rows: Iterable[dict[str, Any]]) -> None:
    """Insert the day's visitor counts, or write the demo's over the same station and day."""
    conn.cursor().executemany(
        """INSERT INTO station_usage (station_id, day, visitors, by_occupation, note,
                                      entered_by, entered_at)
           VALUES (%(station_id)s, %(day)s, %(visitors)s, %(by_occupation)s, %(note)s,
                   %(entered_by)s, %(entered_at)s)
           ON CONFLICT (station_id, day) DO UPDATE
           SET visitors = EXCLUDED.visitors, by_occupation = EXCLUDED.by_occupation,
               note = EXCLUDED.note, entered_by = EXCLUDED.entered_by,
               entered_at = EXCLUDED.entered_at""",
        [
            {
                **r,
                "by_occupation": None if r["by_occupation"] is None else Jsonb(r["by_occupation"]),
            }
            for r in rows
        ],
    )


ACTIVITY_TABLES = (
    "station_checkins",
    "station_usage",
    "station_inspections",
    "station_problems",
)


def counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """How many rows of each operations table belong to demo stations, and the demo's
    photos and inspection photos."""
    row = conn.execute(
        """SELECT
             (SELECT count(*) FROM station_checkins x JOIN stations s ON s.id = x.station_id
              WHERE s.is_demo) AS station_checkins,
             (SELECT count(*) FROM station_usage x JOIN stations s ON s.id = x.station_id
              WHERE s.is_demo) AS station_usage,
             (SELECT count(*) FROM station_inspections x
              JOIN stations s ON s.id = x.station_id WHERE s.is_demo) AS station_inspections,
             (SELECT count(*) FROM station_problems x JOIN stations s ON s.id = x.station_id
              WHERE s.is_demo) AS station_problems,
             (SELECT count(*) FROM inspection_photos x
              JOIN station_inspections i ON i.id = x.inspection_id
              JOIN stations s ON s.id = i.station_id WHERE s.is_demo) AS inspection_photos,
             (SELECT count(*) FROM photos WHERE created_by = 'demo') AS photos"""
    ).fetchone()
    assert row is not None
    return {k: int(v) for k, v in row.items()}
