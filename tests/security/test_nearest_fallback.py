"""#12 item 1 (the nearest half): ``nearest`` never answers "none" while a public station
lies within ``max_distance`` in a straight line. A station on a piece of the walk network
that the person's street does not connect to is listed, ranked by its straight-line
distance, and marked ``distance_kind: "straight"`` with a Chinese and English note.

The network (metres east/north of 114.05 E, 22.54 N)::

        island footway (300,40)──(400,40)      岛站 at (350, 45): 5 m off the footway
    ──────────────────────────────────────────  main street y = 0, x = -1000..1000
                               person at (350, 12): 12 m off the main street

The person stands 33 m from 岛站, but the footway touches nothing: no walk reaches it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from api.app import create_app
from tests.helpers.nearest_city import add_station, ll, load_network

NODES = {1: (-1000, 0), 2: (1000, 0), 3: (300, 40), 4: (400, 40)}
EDGES = {1: (1, 2), 2: (3, 4)}
PERSON = (350, 12)


@pytest.fixture
def client(db, database_url):
    with TestClient(create_app(database_url)) as c:
        yield c


def _nearest(client, **params):
    lon, lat = ll(*PERSON)
    r = client.get("/api/v1/stations/nearest", params={"lon": lon, "lat": lat, **params})
    assert r.status_code == 200, r.text
    return r.json()


def _straight(a, b) -> float:
    (x0, y0), (x1, y1) = ll(*a), ll(*b)
    return float(Geod(ellps="WGS84").inv(x0, y0, x1, y1)[2])


def test_station_on_a_separate_piece_35_m_away_is_returned_marked_straight(client, db):
    load_network(db, NODES, EDGES)
    island = add_station(db, "岛站", 350, 45)
    body = _nearest(client, max_distance=500)
    assert body["count"] == 1  # was 0: "there is none" next to a station
    (s,) = body["stations"]
    assert s["id"] == island
    assert s["distance_kind"] == "straight"
    assert s["walking_m"] is None
    assert s["distance_m"] == pytest.approx(_straight(PERSON, (350, 45)), abs=0.2)
    assert "不相连" in s["distance_note"]
    assert "does not connect" in s["distance_note_en"]
    assert body["distance_basis"] == "walking"  # the person is on the network


def test_straight_ranked_station_sorts_among_walked_ones_by_its_distance(client, db):
    load_network(db, NODES, EDGES)
    island = add_station(db, "岛站", 350, 45)
    near = add_station(db, "路边站", 340, 2)  # walk 12 + 10 + 2 = 24 m
    far = add_station(db, "远站", -300, 5)  # 650 m along the main street
    body = _nearest(client, max_distance=1000)
    assert [s["id"] for s in body["stations"]] == [near, island, far]
    kinds = {s["id"]: s["distance_kind"] for s in body["stations"]}
    assert kinds == {near: "walk", island: "straight", far: "walk"}
    walked = {s["id"]: s for s in body["stations"]}[far]
    assert walked["walking_m"] == pytest.approx(12 + 650 + 5, abs=1.0)
    assert walked["distance_note"] is None


def test_station_on_the_same_piece_beyond_the_walk_is_not_ranked_by_straight_line(client, db):
    # Decided in geo/stations/lookup.py: the network reaches it, only not within
    # max_distance (a fence between): listing it by the crow-fly would mislead.
    load_network(db, {1: (-1000, 0), 2: (1000, 0), 3: (-1000, 200), 4: (1000, 200)},
                 {1: (1, 2), 2: (3, 4), 3: (1, 3), 4: (2, 4)})  # fmt: skip
    add_station(db, "对面站", 350, 190)  # 178 m across, 12 + 650 + 200 + 650 + 10 m round
    assert _nearest(client, max_distance=1000)["count"] == 0
    (s,) = _nearest(client, max_distance=5000)["stations"]
    assert s["distance_kind"] == "walk"
    assert s["distance_m"] == pytest.approx(1522, abs=1.0)


@pytest.mark.browser
def test_the_map_page_says_which_station_is_by_straight_line(db, database_url) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.helpers.browser import launch
    from tests.helpers.live import running_server

    load_network(db, NODES, EDGES)
    add_station(db, "岛站", 350, 45)
    add_station(db, "路边站", 340, 2)
    lon, lat = ll(*PERSON)
    with (
        running_server(database_url, YIZHAN_BASEMAP="none") as base,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 640},
                geolocation={"longitude": lon, "latitude": lat},
                permissions=["geolocation"],
                locale="zh-CN",
            )
            page = context.new_page()
            page.goto(base + "/")
            page.get_by_role("button", name="定位我").click()
            page.wait_for_selector("#results li")
            rows = page.locator("#results li").all_text_contents()
            assert "路边站" in rows[0] and "直线距离" not in rows[0]
            assert "岛站" in rows[1] and "直线距离：步行网络不连通" in rows[1]
            page.locator("#results li").nth(1).click()
            page.locator("#sheet").wait_for(state="visible")
            assert "直线距离" in (page.locator("#sheet-distance").text_content() or "")
        finally:
            browser.close()
