"""#16: the latest coverage snapshot of each kind as OGC collections: coverage gaps
(uncovered main-street stretches and key-district areas) and street coverage (covered and
uncovered stretches), filtered, sorted and in any CRS like the others."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo import clock
from tests.api.test_ogc_filter import _load as _load_city

LINE = "ST_SetSRID(ST_GeomFromText(%s), 4326)"


def _snapshot(conn, kind: str, as_of: str, fingerprint: str) -> int:
    row = conn.execute(
        "INSERT INTO coverage_snapshots (as_of, kind, distance_m, mode, cell_m, fingerprint,"
        " figures) VALUES (%s, %s, 500, 'walking', 50, %s, '{}') RETURNING id",
        (as_of, kind, fingerprint),
    ).fetchone()
    return int(row["id"])


def _geom(conn, snap: int, role: str, street: str | None, measure: float, wkt: str) -> None:
    conn.execute(
        "INSERT INTO coverage_geoms (snapshot_id, role, street, district, measure, geom)"
        f" VALUES (%s, %s, %s, '福田', %s, {LINE})",
        (snap, role, street, measure, wkt),
    )


def load(conn) -> None:
    _load_city(conn)
    old = _snapshot(conn, "love_station", "2025-01-31", "a")
    _geom(conn, old, "street_gap", "旧快照路", 999, "LINESTRING(114.0 22.54, 114.01 22.54)")
    latest = _snapshot(conn, "love_station", "2025-05-31", "b")
    _geom(conn, latest, "street_covered", "深南大道", 4000, "LINESTRING(114.0 22.54, 114.08 22.54)")
    _geom(conn, latest, "street_gap", "深南大道", 1000, "LINESTRING(114.08 22.54, 114.1 22.54)")
    _geom(
        conn,
        latest,
        "area_gap",
        None,
        250000,
        "POLYGON((114.01 22.51, 114.02 22.51, 114.02 22.52, 114.01 22.52, 114.01 22.51))",
    )
    future = _snapshot(conn, "love_station", "2025-12-31", "c")  # after today: not yet
    _geom(conn, future, "street_gap", "未来路", 5, "LINESTRING(114.0 22.55, 114.01 22.55)")
    shops = _snapshot(conn, "worker_bookshop", "2025-03-31", "d")
    _geom(conn, shops, "street_gap", "红荔路", 1200, "LINESTRING(114.1 22.56, 114.12 22.56)")


@pytest.fixture
def client(db, database_url):
    load(db)
    with clock.frozen("2025-06-01T12:00:00"), TestClient(create_app(database_url)) as c:
        yield c


def _items(client, collection: str, **params) -> list[dict]:
    r = client.get(f"/ogc/collections/{collection}/items", params=params)
    assert r.status_code == 200, r.text
    return [f["properties"] for f in r.json()["features"]]


def test_the_collections_are_listed_with_their_queryables(client) -> None:
    ids = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert ids[-2:] == ["coverage_gaps", "street_coverage"]
    props = client.get("/ogc/collections/coverage_gaps/queryables").json()["properties"]
    assert {"kind", "as_of", "role", "street", "length_m", "area_m2"} <= set(props)


def test_gaps_are_the_latest_snapshot_of_each_kind(client) -> None:
    gaps = _items(client, "coverage_gaps", sortby="kind,-length_m")
    assert [(g["kind"], g["role"], g["street"], g["as_of"]) for g in gaps] == [
        ("love_station", "street_gap", "深南大道", "2025-05-31"),
        ("love_station", "area_gap", None, "2025-05-31"),
        ("worker_bookshop", "street_gap", "红荔路", "2025-03-31"),
    ]
    assert gaps[1]["area_m2"] == 250000 and gaps[1]["length_m"] is None
    street = _items(client, "street_coverage", kind="love_station", sortby="-length_m")
    assert [(s["role"], s["length_m"]) for s in street] == [
        ("street_covered", 4000),
        ("street_gap", 1000),
    ]


def test_coverage_collections_filter_and_answer_in_any_crs(client) -> None:
    got = _items(client, "coverage_gaps", filter="role = 'area_gap' OR length_m > 1100")
    assert [g["role"] for g in got] == ["area_gap", "street_gap"]
    r = client.get(
        "/ogc/collections/street_coverage/items",
        params={
            "crs": "http://www.opengis.net/def/crs/EPSG/0/4490",
            "filter": "role = 'street_gap'",
        },
    )
    coords = [f["geometry"]["coordinates"] for f in r.json()["features"]]
    assert all(22.5 < lat < 22.6 and 114.0 <= lon <= 114.2 for line in coords for lat, lon in line)
