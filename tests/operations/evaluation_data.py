"""The evaluation's worked example: five stations with a year (2025) of operations, written
straight into the tables of migration 0014 (the evaluation only reads them).

Hand-computed with the default rules (weights 25/25/20/15/15, no-data share 0.5,
penalties 3/3/2, resolve in 14 days, 5 visits a day, stars at 85/70/55/40, a downgrade
keeps at most 2 stars, stale after 180 days), as of 2025-12-31:

* A 福田 love station, all 8 core services; 2 inspections open and passed; 2000 paper
  visitors in 365 days (5.48 a day): 25 + 25 + 20 + 15 + 15 = 100, 5 stars.
* B 罗湖 love station opened 2025-07-01 (184 days), all core services; 3 inspections, not
  open and failed twice, open and passed once; a problem confirmed 2025-12-02 (reported
  12-01) still open: 30 days; 920 check-ins (5 a day):
  25 + 8.33 + 6.67 + (15 - 3 - 3) + 15 = 64 -> 3 stars, downgraded twice -> 2 stars.
* C 福田 mother-and-baby room, 2 of 4 core services, never inspected, no counts; a problem
  reported 02-01, confirmed 02-02 and fixed 03-10 (37 days), another dismissed:
  12.5 + 12.5 + 10 + (15 - 3 - 2) + 7.5 = 52.5 -> 2 stars; stale, no data.
* D 罗湖 worker bookshop closed on 2025-04-01 (90 operating days), 4 of 4 core services;
  an inspection 02-01 open but failed; 180 paper visitors (2 a day); a problem fixed in
  3 days: 25 + 25 + 0 + (15 - 3) + 6 = 68 -> 3 stars; stale (verified 333 days before).
* E closed in 2024, F planned, G pending review: not evaluated.
"""

from __future__ import annotations

from typing import Any

import psycopg

LOVE_CORE = [
    "drinking_water",
    "heating",
    "cooling",
    "rest_seats",
    "toilet",
    "phone_charging",
    "first_aid",
    "microwave",
]


def station(  # noqa: PLR0913 - a station's columns
    db: psycopg.Connection[Any],
    name: str,
    kind: str,
    district: str,
    services: list[str],
    opened_on: str | None,
    status: str = "open",
    closed_on: str | None = None,
    review_state: str = "approved",
) -> int:
    row = db.execute(
        "INSERT INTO stations (kind, name, geom, district, services, status, opened_on,"
        " closed_on, review_state) VALUES (%s, %s, ST_SetSRID(ST_MakePoint(114.05, 22.54),"
        " 4326), %s, %s, %s, %s, %s, %s) RETURNING id",
        (kind, name, district, services, status, opened_on, closed_on, review_state),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def inspection(
    db: psycopg.Connection[Any], sid: int, day: str, open_at_hours: bool | None, passed: bool
) -> None:
    db.execute(
        "INSERT INTO station_inspections (station_id, inspected_at, standard, checklist,"
        " open_at_hours, passed) VALUES (%s, %s, 'default', '[]', %s, %s)",
        (sid, f"{day} 10:00+08", open_at_hours, passed),
    )


def problem(  # noqa: PLR0913 - a problem's life
    db: psycopg.Connection[Any],
    sid: int,
    receipt: str,
    created: str,
    state: str = "new",
    decided: str | None = None,
    resolved: str | None = None,
    category: str = "closed",
) -> None:
    db.execute(
        "INSERT INTO station_problems (receipt, station_id, category, state, created_at,"
        " last_reported_at, decided_at, resolved_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            receipt,
            sid,
            category,
            state,
            f"{created} 09:00+08",
            f"{created} 09:00+08",
            f"{decided} 09:00+08" if decided else None,
            f"{resolved} 09:00+08" if resolved else None,
        ),
    )


def checkins(
    db: psycopg.Connection[Any], sid: int, first: str, days: int, per_day: int, occupation: str
) -> None:
    db.execute(
        "INSERT INTO station_checkins (station_id, at, day, occupation, device_hash)"
        " SELECT %s, (d + time '12:00') AT TIME ZONE 'Asia/Shanghai', d, %s, 'dev' || n"
        " FROM generate_series(%s::date, %s::date + %s - 1, interval '1 day') AS d,"
        " generate_series(1, %s) AS n",
        (sid, occupation, first, first, days, per_day),
    )


def usage(
    db: psycopg.Connection[Any], sid: int, day: str, visitors: int, by: str | None = None
) -> None:
    db.execute(
        "INSERT INTO station_usage (station_id, day, visitors, by_occupation)"
        " VALUES (%s, %s, %s, %s)",
        (sid, day, visitors, by),
    )


def load_year(db: psycopg.Connection[Any]) -> dict[str, int]:
    """The five stations and their 2025; their ids by letter."""
    ids = {
        "A": station(db, "甲驿站", "love_station", "福田", LOVE_CORE, "2024-01-01"),
        "B": station(db, "乙驿站", "love_station", "罗湖", LOVE_CORE, "2025-07-01"),
        "C": station(
            db,
            "丙母婴室",
            "mother_baby_room",
            "福田",
            ["nursing_chair", "changing_table", "wifi"],
            "2020-05-01",
        ),
        "D": station(
            db,
            "丁书屋",
            "worker_bookshop",
            "罗湖",
            ["books", "rest_seats", "wifi", "drinking_water"],
            "2019-01-01",
            status="closed",
            closed_on="2025-04-01",
        ),
        "E": station(
            db, "戊驿站", "love_station", "福田", [], "2019-01-01", "closed", "2024-06-01"
        ),
        "F": station(db, "己驿站", "love_station", "福田", [], None, "planned"),
        "G": station(
            db, "庚驿站", "love_station", "福田", [], "2025-01-01", review_state="pending_review"
        ),
    }
    a, b, c, d = ids["A"], ids["B"], ids["C"], ids["D"]
    inspection(db, a, "2025-03-01", True, True)
    inspection(db, a, "2025-09-01", True, True)
    usage(db, a, "2025-06-01", 2000, '{"courier": 1200, "driver": 800}')
    inspection(db, b, "2025-08-01", False, False)
    inspection(db, b, "2025-10-01", False, False)
    inspection(db, b, "2025-11-15", True, True)
    problem(db, b, "R-B1", "2025-12-01", "confirmed", decided="2025-12-02")
    checkins(db, b, "2025-07-01", 184, 5, "delivery_rider")
    problem(db, c, "R-C1", "2025-02-01", "fixed", decided="2025-02-02", resolved="2025-03-10")
    problem(db, c, "R-C2", "2025-04-01", "dismissed", decided="2025-04-02", resolved="2025-04-02")
    inspection(db, d, "2025-02-01", True, False)
    usage(db, d, "2025-02-01", 180)
    problem(
        db,
        d,
        "R-D1",
        "2025-03-01",
        "fixed",
        decided="2025-03-02",
        resolved="2025-03-04",
        category="dirty_or_broken",
    )
    return ids
