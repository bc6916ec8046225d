"""#12 item 5: two points closer to each other than to the street walk the straight line
between them (``|ab| <= offset_a + offset_b``, :mod:`geo.network.straight`), the same
rule in the nearest lookup, in coverage and in the siting distance table. Standing at a
station set back 93 m from the street is 0 m from it, not 186 m."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.coverage import service
from geo.network.graph import Graph, Snap
from geo.network.straight import RULE_MAX_OFFSET_M, straight_pairs, walk_m
from geo.siting.network import EdgeDemand, distance_table
from tests.helpers import cities
from tests.helpers.nearest_city import add_station, ll, load_network

AS_OF = dt.date(2026, 11, 24)


@pytest.fixture
def client(db, database_url):
    with TestClient(create_app(database_url)) as c:
        yield c


def _nearest(client, x, y, **params):
    lon, lat = ll(x, y)
    r = client.get("/api/v1/stations/nearest", params={"lon": lon, "lat": lat, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_standing_at_a_station_93_m_off_the_street_is_0_m(client, db) -> None:
    load_network(db)  # streets at y = 0 and y = 200
    add_station(db, "后院驿站", 0, 93)
    (s,) = _nearest(client, 0, 93)["stations"]
    assert s["distance_m"] == pytest.approx(0.0, abs=0.1)  # was 186
    assert s["walking_m"] == pytest.approx(0.0, abs=0.1)
    assert s["distance_kind"] == "walk"


def test_a_person_beside_a_set_back_station_walks_the_straight_line(client, db) -> None:
    load_network(db)
    add_station(db, "后院驿站", 0, 93)
    (s,) = _nearest(client, 30, 90)["stations"]  # 30 m away, both ~90 m off the street
    assert s["distance_m"] == pytest.approx(s["straight_m"], abs=0.1)
    assert s["straight_m"] == pytest.approx(30.1, abs=0.5)


def test_a_person_on_the_street_still_walks_through_the_snap(client, db) -> None:
    load_network(db)
    add_station(db, "后院驿站", 0, 93)
    (s,) = _nearest(client, 150, 0)["stations"]  # straight 177 m > 93 + 0: the network
    assert s["distance_m"] == pytest.approx(150 + 93, abs=0.5)


def _cover(db, distance: float) -> dict:
    q = service.question(AS_OF, "love_station", distance, "walking", 100.0)
    return service.run(db, q)["figures"]["summary"]


def test_coverage_counts_cells_and_off_network_streets_beside_a_far_station(db) -> None:
    # 长街 along y = 0; a key district of four 100 m cells at y = 200..400 (centres 250
    # and 350 m off the street); 高架 (main, not walkable) along y = 320, x = 0..200.
    cities.load_streets(
        db,
        [
            {"name": "长街", "coords": [(0, 0), (3000, 0)]},
            {"name": "高架", "coords": [(0, 320), (200, 320)], "walkable": False},
        ],
    )
    cities.load_district(db, "后区", (0, 200, 200, 400))
    cities.add_station(db, 100, 300)  # 300 m off 长街
    s = _cover(db, 500.0)
    # every cell centre is 70.7 m from the station in a straight line (<= 300 + 250);
    # through the street it is 300 + 50 + 250 = 600 > 500: uncovered before the rule
    assert s["key_district_share"] == pytest.approx(1.0)
    # 高架's samples are <= 101 m away (<= 300 + 320): all 200 m covered (was 0), and
    # 长街 only by the walk: 500 - 300 = 200 m each way from x = 100, i.e. [0, 300]
    assert s["main_street_covered_m"] == pytest.approx(300.0 + 200.0, abs=0.01)


def test_coverage_of_cells_farther_than_the_distance_is_unchanged(db) -> None:
    cities.load_streets(db, [{"name": "长街", "coords": [(0, 0), (3000, 0)]}])
    cities.load_district(db, "后区", (0, 200, 200, 400))
    cities.add_station(db, 100, 300)
    assert _cover(db, 60.0)["key_district_share"] == 0.0  # 70.7 m > 60 m


def _one_edge() -> Graph:
    return Graph(np.array([0]), np.array([1]), np.array([1000.0]), 2)


def test_siting_table_uses_the_straight_line_between_a_set_back_candidate_and_a_cell():
    g = _one_edge()  # the street y = 0, x = 0..1000
    cand = Snap(np.array([0]), np.array([500.0]), np.array([300.0]))  # at (500, 300)
    demand = EdgeDemand(
        edge=np.array([0, 0]),
        lo=np.array([520.0, 0.0]),
        hi=np.array([520.0, 100.0]),  # a cell centre at (520, 320), a stretch [0, 100]
        offset=np.array([320.0, 0.0]),
        xy=np.array([[520.0, 320.0], [np.nan, np.nan]]),
    )
    table = distance_table(g, cand, demand, 200.0, candidate_xy=np.array([[500.0, 300.0]]))
    assert table.demand.tolist() == [0] and table.candidate.tolist() == [0]
    assert table.distance[0] == pytest.approx(np.hypot(20, 20))  # was 640 > 200: absent
    # without positions the rule cannot apply: the walk through the snaps only
    assert distance_table(g, cand, demand, 200.0).demand.size == 0


def test_siting_table_keeps_the_shorter_of_network_and_straight():
    g = _one_edge()
    cand = Snap(np.array([0]), np.array([500.0]), np.array([10.0]))  # at (500, 10)
    demand = EdgeDemand(
        edge=np.array([0]),
        lo=np.array([500.0]),
        hi=np.array([500.0]),
        offset=np.array([30.0]),
        xy=np.array([[500.0, -30.0]]),  # across the street: 40 m both ways
    )
    table = distance_table(g, cand, demand, 1000.0, candidate_xy=np.array([[500.0, 10.0]]))
    assert table.demand.tolist() == [0]
    assert table.distance[0] == pytest.approx(40.0)


def test_the_rule_is_the_straight_line_only_within_the_two_offsets() -> None:
    assert walk_m(30.0, 20.0, 10.0, 500.0) == 30.0
    assert walk_m(31.0, 20.0, 10.0, 500.0) == 500.0
    i, j, d = straight_pairs(
        np.array([[0.0, 0.0]]), np.array([20.0]), np.array([[30.0, 0], [31.0, 0]]),
        np.array([10.0, 10.0]), 1000.0,
    )  # fmt: skip
    assert (i.tolist(), j.tolist(), d.tolist()) == ([0], [0], [30.0])


def test_no_straight_line_where_the_data_has_no_walkway(db) -> None:
    # A station 900 m from the only street, its cells around it (also ~900 m off): farther
    # from every walkway than RULE_MAX_OFFSET_M, so the crow-fly does not count there (a
    # site on a bay's shore must not cover the bay); through the street it is > 1000 m.
    cities.load_streets(db, [{"name": "长街", "coords": [(0, 0), (3000, 0)]}])
    cities.load_district(db, "海湾", (0, 800, 200, 1000))
    cities.add_station(db, 100, 900)
    assert RULE_MAX_OFFSET_M < 800
    assert _cover(db, 1000.0)["key_district_share"] == 0.0
