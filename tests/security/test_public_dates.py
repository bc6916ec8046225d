"""#12 item 7: a station not yet opened, or past its closing date, is not shown to the public.

The public sees a station on the city's today (``geo.clock``) only from its ``opened_on``
and until its ``closed_on``, as coverage counts it: on the map listing, one station,
nearest and OGC alike. The day turns at midnight in the city, not in UTC.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo import clock

# 2027-01-05 in Beijing.
BEFORE = "2027-01-05T12:00:00+08:00"
# 2027-01-10 00:30 in Beijing, still 2027-01-09 in UTC.
OPENING_DAY = "2027-01-09T16:30:00+00:00"


def _add(conn, name: str, lon: float, **dates) -> int:
    row = conn.execute(
        "INSERT INTO stations (kind, name, status, opened_on, closed_on, geom) VALUES"
        " ('love_station', %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, 22.54), 4326))"
        " RETURNING id",
        (
            name,
            dates.get("status", "open"),
            dates.get("opened_on"),
            dates.get("closed_on"),
            lon,
        ),
    ).fetchone()
    return int(row["id"])


@pytest.fixture
def city(db, database_url):
    ids = {
        "opens_later": _add(db, "将开放驿站", 114.050, opened_on="2027-01-10"),
        "closed_past": _add(
            db, "已过关闭日期", 114.051, opened_on="2025-01-01", closed_on="2027-01-01"
        ),
        "closing_soon": _add(
            db, "即将关闭", 114.052, status="closed", opened_on="2025-01-01", closed_on="2027-01-08"
        ),
        "undated": _add(db, "无开放日期", 114.053),
        "open": _add(db, "开放中", 114.054, opened_on="2026-06-01"),
    }
    with TestClient(create_app(database_url)) as c:
        yield c, ids


def _seen(client: TestClient, ids: dict[str, int]) -> dict[str, set[str]]:
    """The names of ``ids`` each public surface shows."""
    by_id = {v: k for k, v in ids.items()}
    seen: dict[str, set[str]] = {}
    seen["one"] = {
        k for k, i in ids.items() if client.get(f"/api/v1/stations/{i}").status_code == 200
    }
    seen["ogc_item"] = {
        k
        for k, i in ids.items()
        if client.get(f"/ogc/collections/stations/items/{i}").status_code == 200
    }
    listing = client.get("/api/v1/stations")
    assert listing.status_code == 200, listing.text
    seen["listing"] = {by_id[f["id"]] for f in listing.json()["features"]}
    ogc = client.get("/ogc/collections/stations/items")
    assert ogc.status_code == 200, ogc.text
    seen["ogc"] = {by_id[f["id"]] for f in ogc.json()["features"]}
    near = client.get("/api/v1/stations/nearest?lon=114.052&lat=22.54&limit=10")
    assert near.status_code == 200, near.text
    seen["nearest"] = {by_id[s["id"]] for s in near.json()["stations"]}
    return seen


def test_a_station_is_public_only_between_its_opening_and_closing_dates(city) -> None:
    client, ids = city
    with clock.frozen(BEFORE):
        seen = _seen(client, ids)
    assert all(v == {"closing_soon", "undated", "open"} for v in seen.values()), seen


def test_a_station_appears_on_its_opening_day_in_the_city_and_a_closure_takes_effect(
    city,
) -> None:
    client, ids = city
    with clock.frozen(OPENING_DAY):
        seen = _seen(client, ids)
    assert all(v == {"opens_later", "undated", "open"} for v in seen.values()), seen
