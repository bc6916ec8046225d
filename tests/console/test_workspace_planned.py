"""The registry's planned stations in the planner workspace (issue 16: "drag a planned
one"): ``GET /api/v1/coverage/stations?include=planned`` answers the approved, located
stations of the kind that are planned or under construction (planners only), and the page
draws them hollow, switches one on as planned (a what-if ``add`` at its position carrying
its id and name), moves it (by dragging or to the map's centre: the same ``add`` at the new
place) and keeps it in a saved scenario."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.console.test_coverage_page import AS_OF, city  # noqa: F401 - the fixture
from tests.console.test_workspace_browser import (  # noqa: F401 - the town fixture
    NOW,
    _shown_delta,
    _whatif,
    town,
)
from tests.helpers.browser import ARTIFACTS
from tests.helpers.cities import add_station
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


def _planned_change(step: dict) -> list[dict]:
    return [c for c in step["request"]["changes"] if c.get("id", "").startswith("p")]


@pytest.mark.browser
def test_a_planner_switches_on_moves_and_saves_a_planned_station(
    browser,
    town,  # noqa: F811 - the fixture
    planner,
    database_url,
) -> None:
    # 丙, planned in 主街's gap between 甲 (covers to x = 1200) and 乙 (from x = 1800).
    add_station(town, 1500, 0, name="丙", status="planned", opened_on=dt.date(2027, 3, 1))
    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        listed = httpx.get(
            f"{base}/api/v1/coverage/stations?as_of={AS_OF}&include=planned", headers=planner
        ).json()["planned"]
        assert [p["name"] for p in listed] == ["丙"]
        bing = listed[0]
        key = f"p{bing['id']}"
        w = watched_page(browser, base, viewport={"width": 1280, "height": 1000})
        page = w.page
        sign_in(page, base, "zhao.plan")
        page.goto(f"{base}/console/workspace?as_of={AS_OF}&kind=love_station")
        page.wait_for_selector("#ws-gaps tbody tr[data-street='主街']")
        # Drawn hollow (not switched on), with its legend entry and its list row in words.
        marker = page.locator(f"#ws-map .ws-planned[data-planned='{bing['id']}']")
        marker.wait_for()
        assert "is-on" not in marker.get_attribute("class")
        assert page.locator(".ws-legend .swatch.planned").count() == 1
        page.click("#ws-planned-list-toggle")
        row = page.locator(f"#ws-planned-list li[data-planned='{bing['id']}']")
        assert "规划中" in row.text_content() and "2027-03-01" in row.text_content()

        # Switched on as planned by keyboard from the list: an "add" at its place carrying
        # its id and name; a positive delta equal to the API's for the same change.
        row.locator("input").focus()
        on = _whatif(page, lambda: page.keyboard.press("Space"))
        (added,) = on["request"]["changes"]
        assert (added["op"], added["id"], added["name"], added["crs"]) == (
            "add",
            key,
            "丙",
            "wgs84",
        )
        assert abs(added["lon"] - bing["lon"]) < 1e-6 and abs(added["lat"] - bing["lat"]) < 1e-6
        ours = {"op": "add", "id": key, "name": "丙", "lon": bing["lon"], "lat": bing["lat"]}
        api = httpx.post(
            f"{base}/api/v1/whatif",
            json={"as_of": AS_OF, "kind": "love_station", "changes": [ours]},
            headers=planner,
        ).json()
        assert on["answer"]["delta"]["main_street_share"] > 0
        assert on["answer"]["delta"]["main_street_share"] == pytest.approx(
            api["delta"]["main_street_share"], abs=1e-9
        )
        _shown_delta(page, on["answer"])
        assert "is-on" in marker.get_attribute("class")
        assert "按规划启用 丙" in page.text_content("#ws-changes")
        assert page.locator("#ws-map [data-added]").count() == 0  # not a hypothetical pin

        # Moved by keyboard: the focused marker's arrow keys (Shift: 50 m) take it 300 m
        # north of 主街, the same one change elsewhere and another delta.
        page.focus(f"#ws-map .ws-planned[data-planned='{bing['id']}']")
        for _ in range(6):
            north = _whatif(page, lambda: page.keyboard.press("Shift+ArrowUp"))
        (there,) = _planned_change(north)
        assert len(north["request"]["changes"]) == 1 and there["lat"] > added["lat"]
        assert north["answer"]["delta"] != on["answer"]["delta"]
        _shown_delta(page, north["answer"])
        assert "is-moved" in marker.get_attribute("class")
        # "Move to the map centre" in the list: back on 主街's gap, shown by its row.
        page.click("#ws-gaps tbody tr[data-street='主街'] button")
        centre = _whatif(page, lambda: row.locator("button.ws-move").click())
        (back,) = _planned_change(centre)
        assert len(centre["request"]["changes"]) == 1 and back["lat"] < there["lat"]
        _shown_delta(page, centre["answer"])
        there = back

        # Dragged on the map: it replaces that change again.
        marker.scroll_into_view_if_needed()
        pin = marker.bounding_box()
        x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2

        def drag() -> None:
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x, y + 60, steps=6)
            page.mouse.up()

        dragged = _whatif(page, drag)
        (dropped,) = _planned_change(dragged)
        assert len(dragged["request"]["changes"]) == 1 and dropped["lat"] < there["lat"]
        _shown_delta(page, dragged["answer"])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-workspace-planned.png"), full_page=True)

        # Saved, reopened after a reload: the planned station's change and delta again.
        page.fill("#ws-name", "丙按规划")
        page.press("#ws-name", "Enter")
        page.wait_for_selector("#ws-scenarios tbody tr:has-text('丙按规划')")
        page.reload()
        page.wait_for_selector("#ws-scenarios tbody tr:has-text('丙按规划')")
        marker.wait_for()
        assert "is-on" not in marker.get_attribute("class")
        saved = page.locator("#ws-scenarios tbody tr", has_text="丙按规划")
        reopened = _whatif(page, lambda: saved.locator("button.ws-open").click())
        assert reopened["request"]["changes"] == dragged["request"]["changes"]
        _shown_delta(page, reopened["answer"])
        assert "is-on" in marker.get_attribute("class")
        page.click("#ws-planned-list-toggle")
        assert row.locator("input").is_checked()

        # Switched back off (by keyboard): no change left, no delta.
        row.locator("input").focus()
        page.keyboard.press("Space")
        page.wait_for_function(
            "() => document.getElementById('ws-delta-street').textContent === '—'"
        )
        assert page.locator("#ws-changes li").count() == 0
        assert "is-on" not in marker.get_attribute("class")

        # Tap targets of the planned list on a phone-width screen.
        page.set_viewport_size({"width": 390, "height": 844})
        small = page.evaluate(
            """() => [...document.querySelectorAll(
                    '#ws-planned-box button, #ws-planned-box summary')]
                .filter(e => e.offsetParent !== null)
                .filter(e => e.getBoundingClientRect().height < 44)
                .map(e => e.id || e.textContent)"""
        )
        assert small == []
        assert w.errors == []
        assert w.outside == []
