"""The way to a station (#14): the walking path nearest's distance is measured along,
as GeoJSON, on the hand-made network of the nearest tests plus a cut-off footway::

    n6 (-200,400) ────── n7 (200,400)                              D (0,390): another piece
    n4 (-500,200) ──────────────────────────── n5 (500,200)      A (0,180) snaps up here
     │                                           │
    n1 (-500,0) ─────────── n2 (0,0) ───────── n3 (500,0)         Q (0,20), B (300,10), E (5,28)
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from api.app import create_app
from geo import clock
from geo.crs import from_wgs84_point
from tests.helpers.nearest_city import EDGES, NODES, Q, add_station, ll, load_network

GEOD = Geod(ellps="WGS84")


@pytest.fixture
def client(db, database_url):
    with TestClient(create_app(database_url)) as c:
        yield c


@pytest.fixture
def city(db):
    load_network(db, {**NODES, 6: (-200, 400), 7: (200, 400)}, {**EDGES, 6: (6, 7)})
    return {
        "A": add_station(db, "甲站 A", 0, 180),
        "B": add_station(db, "乙站 B", 300, 10),
        "C": add_station(db, "丙站 C", -400, 0, kind="worker_bookshop"),
        "D": add_station(db, "丁站 D", 0, 390, kind="mother_baby_room"),
        "E": add_station(db, "戊站 E", 5, 28),
    }


def line_m(coords: list[list[float]]) -> float:
    """The geodesic length of a lon/lat line: the independent measure."""
    lons, lats = zip(*coords, strict=True)
    return float(GEOD.line_length(lons, lats))


def get_route(client, station_id: int, **params):
    lon, lat = ll(*Q)
    return client.get(
        f"/api/v1/stations/{station_id}/route", params={"lon": lon, "lat": lat, **params}
    )


def test_route_length_equals_the_distance_nearest_gives(client, city) -> None:
    lon, lat = ll(*Q)
    answer = client.get(
        "/api/v1/stations/nearest", params={"lon": lon, "lat": lat, "limit": 10}
    ).json()
    assert {s["id"] for s in answer["stations"]} == set(city.values())
    for s in answer["stations"]:
        r = get_route(client, s["id"])
        assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
        feature = r.json()
        props = feature["properties"]
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "LineString"
        assert props["distance_m"] == s["distance_m"]
        assert props["distance_kind"] == s["distance_kind"]
        assert props["length_m"] == pytest.approx(props["distance_m"], abs=0.11)
        # The line drawn is as long as the distance listed (its own geodesic length).
        assert line_m(feature["geometry"]["coordinates"]) == pytest.approx(
            s["distance_m"], rel=2e-3, abs=0.5
        )
        coords = feature["geometry"]["coordinates"]
        assert coords[0] == pytest.approx([lon, lat], abs=1e-6)
        assert coords[-1] == pytest.approx([s["lon"], s["lat"]], abs=1e-6)


def test_route_goes_round_the_fence_along_the_streets(client, city) -> None:
    feature = get_route(client, city["A"]).json()
    coords = feature["geometry"]["coordinates"]
    # A is 160 m away as the crow flies, 1240 m on foot round the end of the fence.
    assert feature["properties"]["distance_m"] == pytest.approx(1240, abs=5)
    # Either end of the fence is as far (the city is symmetric): the line turns both corners.
    side = -500 if any(c == pytest.approx(list(ll(-500, 0)), abs=1e-6) for c in coords) else 500
    for corner in (ll(side, 0), ll(side, 200)):
        assert any(c == pytest.approx(list(corner), abs=1e-6) for c in coords)


def test_route_is_the_straight_line_to_a_station_closer_than_the_street(client, city) -> None:
    feature = get_route(client, city["E"]).json()
    assert len(feature["geometry"]["coordinates"]) == 2
    assert feature["properties"]["distance_kind"] == "walk"
    assert feature["properties"]["distance_m"] < 12


def test_route_to_a_cut_off_station_is_a_straight_line_with_the_note(client, city) -> None:
    feature = get_route(client, city["D"]).json()
    props = feature["properties"]
    assert props["distance_kind"] == "straight" and props["distance_note"]
    assert len(feature["geometry"]["coordinates"]) == 2
    assert props["distance_m"] == pytest.approx(370, abs=2)


def test_route_without_a_walk_network_is_the_straight_line(client, db, city) -> None:
    db.execute("DELETE FROM walk_edges")
    props = get_route(client, city["A"]).json()["properties"]
    assert props["distance_basis"] == "straight_line"
    assert props["distance_m"] == pytest.approx(160, abs=1)


def test_route_takes_and_answers_gcj02(client, city) -> None:
    glon, glat = from_wgs84_point(*ll(*Q), "gcj02")
    plain = get_route(client, city["B"]).json()
    r = client.get(
        f"/api/v1/stations/{city['B']}/route",
        params={"lon": glon, "lat": glat, "crs": "gcj02"},
    ).json()
    assert r["properties"]["crs"] == "gcj02"
    assert r["properties"]["distance_m"] == pytest.approx(
        plain["properties"]["distance_m"], abs=0.2
    )
    first = plain["geometry"]["coordinates"][-1]
    assert r["geometry"]["coordinates"][-1] == pytest.approx(
        list(from_wgs84_point(*first, "gcj02")), abs=1e-6
    )


def test_route_refuses_bad_input_and_hidden_stations(client, db, city) -> None:
    assert get_route(client, 999_999).status_code == 404
    db.execute("UPDATE stations SET status = 'closed' WHERE id = %s", (city["B"],))
    missing = get_route(client, city["B"])
    assert missing.status_code == 404 and missing.json()["message_en"]
    bad = client.get(f"/api/v1/stations/{city['A']}/route", params={"lon": 500, "lat": 22})
    assert bad.status_code == 422 and bad.json()["message"] and bad.json()["message_en"]
    assert client.get(f"/api/v1/stations/{city['A']}/route").status_code == 422


def test_stations_carry_their_hours_in_words_today_first(client, db, city) -> None:
    db.execute(
        "UPDATE stations SET opening_hours = 'Mo-Fr 09:00-17:00; Sa 09:00-12:00' WHERE id = %s",
        (city["B"],),
    )
    lon, lat = ll(*Q)
    with clock.frozen("2026-12-05T10:00:00+08:00"):  # a Saturday
        one = client.get(f"/api/v1/stations/{city['B']}").json()
        near = client.get("/api/v1/stations/nearest", params={"lon": lon, "lat": lat}).json()
        listed = client.get("/api/v1/stations", params={"limit": 10}).json()
    words = one["hours_words"]
    assert words == {
        "today_zh": "今天 09:00–12:00",
        "today_en": "Today 09:00–12:00",
        "week_zh": "周一至周五 09:00–17:00；周六 09:00–12:00",
        "week_en": "Mon–Fri 09:00–17:00; Sat 09:00–12:00",
    }
    b = next(s for s in near["stations"] if s["id"] == city["B"])
    assert b["hours_words"] == words and b["closes_at"].startswith("2026-12-05T12:00")
    feature = next(f for f in listed["features"] if f["id"] == city["B"])
    assert feature["properties"]["hours_words"] == words
    a = next(s for s in near["stations"] if s["id"] == city["A"])
    assert a["hours_words"]["week_en"] == "Open 24/7"
