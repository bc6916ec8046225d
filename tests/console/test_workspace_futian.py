"""The planner workspace on the real Futian streets and Shenzhen districts (skipped when
../shared/data is absent): a planner opens the workspace, sees the figures of the day's
snapshot and the gaps by street (largest first), adds a station in the largest gap and
sees a positive change of main-street coverage equal to the API's, saves the scenario
and reopens it."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.coverage import service
from tests.console.test_workspace_browser import _points
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server

pytestmark = pytest.mark.realcity

AS_OF = dt.date(2026, 11, 24)
NOW = f"{AS_OF.isoformat()}T10:00:00+08:00"


@pytest.fixture
def futian(db, shared_data, database_url):
    """The real Futian streets, 福田 the key district, and 12 love stations spread over it
    (as tests/coverage/test_futian.py), with the as-of date's snapshot computed."""
    from tests.helpers.db import add_futian_stations, load_futian

    load_futian(shared_data, database_url)
    add_futian_stations(db)
    return service.run(db, service.question(AS_OF, "love_station"))


@pytest.mark.browser
def test_a_planner_adds_a_station_in_futian_s_largest_gap_and_saves_it(
    browser,
    futian,
    planner,
    database_url,
) -> None:
    import httpx

    summary = futian["figures"]["summary"]
    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        w = watched_page(browser, base, viewport={"width": 1280, "height": 1000})
        page = w.page
        sign_in(page, base, "zhao.plan")
        page.goto(f"{base}/console/workspace")
        page.wait_for_selector("#ws-figures:not([hidden])")
        assert page.text_content("#ws-fig-street") == f"{summary['main_street_share'] * 100:.1f}%"
        assert page.text_content("#ws-fig-key") == f"{summary['key_district_share'] * 100:.1f}%"
        assert page.text_content("#ws-fig-stations") == "12"
        page.wait_for_selector("#ws-gaps tbody tr", timeout=30_000)
        metres = [
            int(t)
            for t in page.eval_on_selector_all(
                "#ws-gaps tbody tr td:nth-child(2)", "ts => ts.map(t => t.textContent)"
            )
        ]
        assert len(metres) > 5 and metres == sorted(metres, reverse=True)
        assert page.locator("#ws-station-list input[type=checkbox]").count() == 12

        # The largest gap's street, then a station at the map's centre.
        page.locator("#ws-gaps tbody tr").first.locator("button").click()
        with page.expect_response(lambda r: r.url.endswith("/api/v1/whatif")) as info:
            page.click("#ws-add-centre")
        assert info.value.status == 200
        answer = info.value.json()
        body = info.value.request.post_data_json
        delta = answer["delta"]["main_street_share"]
        assert delta > 0
        page.wait_for_function(
            "s => document.getElementById('ws-delta-street').textContent === s",
            arg=_points(delta),
        )
        again = httpx.post(f"{base}/api/v1/whatif", json=body, headers=planner, timeout=60)
        assert again.json()["delta"]["main_street_share"] == delta

        page.fill("#ws-name", "福田补缺")
        page.click("#ws-save")
        row = page.locator("#ws-scenarios tbody tr", has_text="福田补缺")
        row.wait_for()
        page.reload()
        page.wait_for_selector("#ws-scenarios tbody tr:has-text('福田补缺')")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/whatif")) as info:
            page.locator("#ws-scenarios tbody tr", has_text="福田补缺").locator(
                "button.ws-open"
            ).click()
        assert info.value.request.post_data_json["changes"] == body["changes"]
        assert info.value.json()["delta"]["main_street_share"] == delta
        assert w.errors == []
        assert w.outside == []
