"""The registry's planned stations in the planner workspace (issue 16: "drag a planned
one"): ``GET /api/v1/coverage/stations?include=planned`` answers the approved, located
stations of the kind that are planned or under construction (planners only), and the page
draws them hollow, switches one on as planned (a what-if ``add`` at its position carrying
its id and name), moves it (by dragging or to the map's centre: the same ``add`` at the new
place) and keeps it in a saved scenario."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.coverage import service
from tests.console.test_coverage_page import AS_OF, city  # noqa: F401 - the fixture
from tests.console.test_workspace_browser import NOW, _points, _whatif
from tests.helpers.browser import ARTIFACTS
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server


def test_planned_stations_are_answered_to_planners_only_of_the_kind(
    city,  # noqa: F811 - the fixture
    client,
    planner,
    staff,
) -> None:
    add_station(city, 1500, 0, name="丙", status="planned", opened_on=dt.date(2027, 3, 1))
    add_station(city, 1600, 0, name="丁", status="under_construction", opened_on=None)
    add_station(city, 1700, 0, name="戊", status="planned", review_state="pending_review")
    add_station(city, 1800, 0, name="己", status="planned", kind="mother_baby_room")
    add_station(
        city,
        1900,
        0,
        name="庚",
        status="closed",
        opened_on=dt.date(2026, 1, 1),
        closed_on=dt.date(2026, 2, 1),
    )
    url = f"/api/v1/coverage/stations?as_of={AS_OF}&kind=love_station&include=planned"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=staff).status_code == 403
    r = client.get(url, headers=planner)
    assert r.status_code == 200
    body = r.json()
    assert sorted(s["name"] for s in body["stations"]) == ["乙", "甲"]  # operating, as before
    planned = {p["name"]: p for p in body["planned"]}
    assert set(planned) == {"丙", "丁"}  # not the draft, the other kind or the closed one
    bing = planned["丙"]
    assert set(bing) == {
        "id",
        "name",
        "lon",
        "lat",
        "status",
        "status_label",
        "status_label_en",
        "opens_on",
    }
    assert (bing["status"], bing["status_label"], bing["opens_on"]) == (
        "planned",
        "规划中",
        "2027-03-01",
    )
    assert (planned["丁"]["status_label_en"], planned["丁"]["opens_on"]) == (
        "under construction",
        None,
    )
    assert 114 < bing["lon"] < 115
    # The kind filter: the mother-and-baby room's planned one only.
    other = client.get(
        f"/api/v1/coverage/stations?as_of={AS_OF}&kind=mother_baby_room&include=planned",
        headers=planner,
    ).json()
    assert [p["name"] for p in other["planned"]] == ["己"]
    # Without include: the answer is unchanged; an unknown include is a clear 422.
    assert "planned" not in client.get(url.replace("&include=planned", ""), headers=planner).json()
    bad = client.get(url.replace("include=planned", "include=everything"), headers=planner)
    assert bad.status_code == 422
    assert bad.json()["message"] and bad.json()["message_en"]
