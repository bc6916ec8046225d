"""The nearest-station API against the real PostGIS, on a small hand-made walk network.

The network (metres east/north of 114.05 E, 22.54 N, in Shenzhen) is two parallel streets
200 m apart, joined only at their ends 500 m either side, like a road with a fence down
the middle::

    n4 (-500,200) ──────────────────────────── n5 (500,200)      A (0,180) snaps up here
     │                                           │
    n1 (-500,0) ─────────── n2 (0,0) ───────── n3 (500,0)         Q (0,20), B (300,10)

A is 160 m from Q in a straight line but 1240 m on foot; B is 300 m either way.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from api.app import create_app
from geo.crs import from_wgs84_point
from tests.helpers.nearest_city import NODES, Q, add_station, ll, load_network

GEOD = Geod(ellps="WGS84")


def gdist(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic metres between two lon/lat points: the independent measure."""
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.fixture
def client(db, database_url):
    with TestClient(create_app(database_url)) as c:
        yield c


@pytest.fixture
def city(db):
    load_network(db)
    ids = {
        "A": add_station(db, "甲站 A", 0, 180),
        "B": add_station(db, "乙站 B", 300, 10, services=["drinking_water", "toilet"]),
        "C": add_station(db, "丙站 C", -400, 0, kind="worker_bookshop"),
    }
    return ids


def nearest(client, **params):
    lon, lat = ll(*Q)
    return client.get("/api/v1/stations/nearest", params={"lon": lon, "lat": lat, **params})


def test_nearest_ranks_by_walking_distance_not_straight_line(client, city) -> None:
    body = nearest(client).json()
    assert body["distance_basis"] == "walking"
    assert [s["id"] for s in body["stations"]] == [city["B"], city["C"], city["A"]]
    a = body["stations"][2]
    assert a["straight_m"] == pytest.approx(gdist(ll(*Q), ll(0, 180)), abs=0.5)
    assert a["walking_m"] > 7 * a["straight_m"]


def test_nearest_walking_metres_count_snapping_and_partial_edges_exactly(client, city) -> None:
    by_id = {s["id"]: s for s in nearest(client).json()["stations"]}
    q, foot_q = ll(*Q), ll(0, 0)
    snap_q = gdist(q, foot_q)
    # B: Q -> foot (0,0) -> along the street to (300,0) -> B.
    expected_b = snap_q + gdist(foot_q, ll(300, 0)) + gdist(ll(300, 0), ll(300, 10))
    # A: round the end of the fence: (0,0)->n1->n4->(0,200)->A, both ways are equal.
    expected_a = (
        snap_q
        + gdist(foot_q, ll(-500, 0))
        + gdist(ll(-500, 0), ll(-500, 200))
        + gdist(ll(-500, 200), ll(0, 200))
        + gdist(ll(0, 200), ll(0, 180))
    )
    assert by_id[city["B"]]["walking_m"] == pytest.approx(expected_b, abs=1.0)
    assert by_id[city["A"]]["walking_m"] == pytest.approx(expected_a, abs=1.0)
    assert by_id[city["B"]]["walking_min"] == pytest.approx(expected_b / 75, abs=0.1)


def test_nearest_max_distance_applies_to_the_walk(client, city) -> None:
    ids = [s["id"] for s in nearest(client, max_distance=1000).json()["stations"]]
    assert city["A"] not in ids and city["B"] in ids


def test_nearest_looks_beyond_straight_line_candidates_when_walking_reorders(
    client, db, city
) -> None:
    behind_fence = [add_station(db, f"墙后 {i}", -120 + 10 * i, 190) for i in range(25)]
    body = nearest(client, limit=1).json()
    assert [s["id"] for s in body["stations"]] == [city["B"]]
    assert behind_fence  # they were nearer in a straight line


def test_nearest_filters_kind_and_services(client, city) -> None:
    body = nearest(client, kind="worker_bookshop").json()
    assert [s["id"] for s in body["stations"]] == [city["C"]]
    body = nearest(client, services="water,toilet").json()
    assert [s["id"] for s in body["stations"]] == [city["B"]]
    body = nearest(client, services="饮水").json()
    assert len(body["stations"]) == 3


def test_nearest_open_now_uses_city_time_zone(client, db, city) -> None:
    db.execute(
        "UPDATE stations SET opening_hours = 'Mo-Fr 09:00-18:00' WHERE id = %s", (city["B"],)
    )
    # 08:30 in Shanghai is 00:30 UTC: closed; 09:30 Shanghai: open.
    closed = nearest(client, open_now="true", at="2025-03-03T00:30:00Z").json()
    assert city["B"] not in [s["id"] for s in closed["stations"]]
    opened = nearest(client, open_now="true", at="2025-03-03T09:30:00+08:00").json()
    b = next(s for s in opened["stations"] if s["id"] == city["B"])
    assert b["open_now"] is True
    assert b["closes_at"].startswith("2025-03-03T18:00")
    everything = nearest(client, at="2025-03-03T08:30").json()  # naive: city time
    b = next(s for s in everything["stations"] if s["id"] == city["B"])
    assert b["open_now"] is False and b["opens_at"].startswith("2025-03-03T09:00")


def test_nearest_shows_only_open_approved_stations(client, db, city) -> None:
    db.execute("UPDATE stations SET review_state = 'pending_review' WHERE id = %s", (city["B"],))
    db.execute("UPDATE stations SET status = 'closed' WHERE id = %s", (city["C"],))
    ids = [s["id"] for s in nearest(client).json()["stations"]]
    assert ids == [city["A"]]
    assert client.get(f"/api/v1/stations/{city['B']}").status_code == 404
    assert client.get(f"/api/v1/stations/{city['A']}").status_code == 200


def test_nearest_takes_and_answers_gcj02_with_navigation_links(client, city) -> None:
    glon, glat = from_wgs84_point(*ll(*Q), "gcj02")
    body = client.get(
        "/api/v1/stations/nearest", params={"lon": glon, "lat": glat, "crs": "gcj02"}
    ).json()
    b = body["stations"][0]
    assert b["id"] == city["B"] and body["crs"] == "gcj02"
    assert (b["lon"], b["lat"]) == pytest.approx(from_wgs84_point(*ll(300, 10), "gcj02"))
    assert f"to={b['lon']:.6f},{b['lat']:.6f}," in b["navigation"]["amap"]
    blon, blat = from_wgs84_point(*ll(300, 10), "bd09")
    assert f"destination=latlng:{blat:.6f},{blon:.6f}" in b["navigation"]["baidu"]
    wlon, wlat = ll(300, 10)
    assert b["navigation"]["geo"].startswith(f"geo:{wlat:.6f},{wlon:.6f}")


def test_nearest_falls_back_to_straight_line_without_a_walk_network(client, db, city) -> None:
    db.execute("DELETE FROM walk_edges")
    body = nearest(client).json()
    assert body["distance_basis"] == "straight_line"
    assert [s["id"] for s in body["stations"]] == [city["A"], city["B"], city["C"]]
    assert body["stations"][0]["walking_m"] is None


def test_nearest_sees_a_changed_network_at_once(client, db, city) -> None:
    before = {s["id"]: s["walking_m"] for s in nearest(client).json()["stations"]}
    nodes = {**NODES, 6: (0, 200)}
    edges = {1: (1, 2), 2: (2, 3), 4: (1, 4), 5: (3, 5), 6: (4, 6), 7: (6, 5), 8: (2, 6)}
    load_network(db, nodes, edges)  # a gate in the fence at x = 0
    after = {s["id"]: s["walking_m"] for s in nearest(client).json()["stations"]}
    assert before[city["A"]] > 1200
    # Q and A now both lie on the gate's path: the walk is the straight 160 m.
    assert after[city["A"]] == pytest.approx(gdist(ll(*Q), ll(0, 180)), abs=1.0)


def test_station_by_id_and_listing_as_geojson(client, city) -> None:
    one = client.get(f"/api/v1/stations/{city['C']}", params={"crs": "bd09"}).json()
    assert one["name"] == "丙站 C" and one["crs"] == "bd09"
    page = client.get("/api/v1/stations", params={"limit": 2}).json()
    assert page["type"] == "FeatureCollection" and page["numberMatched"] == 3
    assert [f["id"] for f in page["features"]] == sorted(city.values())[:2]
    nxt = next(link["href"] for link in page["links"] if link["rel"] == "next")
    rest = client.get(nxt).json()
    assert [f["id"] for f in rest["features"]] == sorted(city.values())[2:]
    lon0, lat0 = ll(-450, -50)
    lon1, lat1 = ll(-350, 50)
    boxed = client.get("/api/v1/stations", params={"bbox": f"{lon0},{lat0},{lon1},{lat1}"}).json()
    assert [f["id"] for f in boxed["features"]] == [city["C"]]


@pytest.mark.parametrize("lat", [22.54, 45.0, 60.17, -33.9])
def test_metres_per_degree_floor_is_a_true_lower_bound(lat) -> None:
    import numpy as np

    from geo.stations.lookup import metres_per_degree_floor

    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    for r in (0.001, 0.03):  # about 100 m and 3 km
        dlon, dlat = r * np.cos(angles), r * np.sin(angles)
        _, _, d = GEOD.inv(np.full(72, 114.0), np.full(72, lat), 114.0 + dlon, lat + dlat)
        assert (d >= r * metres_per_degree_floor(lat)).all()


def test_walk_network_version_changes_with_every_change_to_the_edges(db, city) -> None:
    from geo.network.sql import version

    seen = {version(db)}
    db.execute("UPDATE walk_edges SET length_m = length_m + 1 WHERE id = 1")
    seen.add(version(db))
    db.execute("DELETE FROM walk_edges WHERE id = 5")
    seen.add(version(db))
    load_network(db)  # deletes and inserts again
    seen.add(version(db))
    db.execute("TRUNCATE walk_edges")
    seen.add(version(db))
    assert len(seen) == 5


def test_nearest_order_equals_a_brute_force_walk_to_every_station(db, city) -> None:
    """Candidates come in rounds of a straight-line KNN with a bounded walk; the answer
    must equal measuring the walk to every station and sorting, also from positions far
    from the streets where many rounds are needed. The walk is the straight line where
    the two are closer to each other than to the street (#12 item 5)."""
    import numpy as np

    from geo.network import walk
    from geo.stations import lookup

    rng = np.random.default_rng(7)
    spread = zip(rng.uniform(-700, 700, 60), rng.uniform(-300, 500, 60), strict=True)
    behind_fence = zip(rng.uniform(-300, 300, 80), rng.uniform(120, 195, 80), strict=True)
    for x, y in [*spread, *behind_fence]:
        add_station(db, "随机", float(x), float(y))
    settings = lookup.LookupSettings(walk_max_snap_m=10_000)
    net = walk.load(db)
    rows = db.execute("SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stations").fetchall()
    everywhere = net.snap([r["lon"] for r in rows], [r["lat"] for r in rows])
    for qx, qy in [(0, 20), (0, 90), (-450, 400), (300, -250), (650, 150), (20, 190), (0, -400)]:
        lon, lat = ll(qx, qy)
        for limit, max_m in [(1, 3000.0), (5, 3000.0), (12, 900.0)]:
            q = lookup.NearestQuery(
                lon=lon, lat=lat, crs="wgs84", at=datetime.now(UTC), limit=limit,
                max_distance_m=max_m,
            )  # fmt: skip
            got = lookup.nearest(db, q, settings)
            origin = net.snap(lon, lat)
            walks = net.walking_m(origin, everywhere, max_m)
            # #12 item 5: closer to each other than to the street, the straight line
            _, _, straight = GEOD.inv(
                np.full(len(rows), lon), np.full(len(rows), lat),
                [r["lon"] for r in rows], [r["lat"] for r in rows],
            )  # fmt: skip
            straight = np.asarray(straight)
            at_hand = (straight <= origin.offset[0] + everywhere.offset) & (straight <= max_m)
            walks = np.where(at_hand, straight, walks)
            best = sorted((w, r["id"]) for w, r in zip(walks, rows, strict=True) if w < np.inf)
            expected = [round(w, 1) for w, _ in best[:limit]]
            assert [s.distance_m for s in got.stations] == pytest.approx(expected, abs=0.15)
            assert got.stations[0].id in {i for w, i in best if round(w, 1) == expected[0]}


def test_nearest_knn_query_is_never_a_prepared_statement(db, city) -> None:
    """A prepared KNN query turns into a generic plan that sorts the whole table."""
    from geo.stations import sql as stations_sql

    lon, lat = ll(*Q)
    for k in (20, 320, 20, 1280, 20, 20, 80, 20, 20, 20):
        stations_sql.nearest(db, lon, lat, stations_sql.StationFilter(), k=k)
    prepared = db.execute(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%%<->%%'"
    ).fetchone()
    assert prepared["n"] == 0
