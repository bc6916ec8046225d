"""The planner's journey of #16 end to end, in a real headless Chromium on the real Futian
streets (skipped when ../shared/data is absent): a planner signs in, opens the workspace,
computes the date's coverage from the page, adds a station in the largest gap with the
page's own controls, sees a positive change, saves the scenario, follows the link to the
Plan page, runs the best 2 sites with a short time limit, sees them, downloads the sites'
CSV and the workspace's HTML report, and checks both files. No console error, nothing
asked of any server but Yizhan."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.console.test_workspace_browser import _points
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server

pytestmark = [pytest.mark.browser, pytest.mark.realcity]

AS_OF = "2026-11-24"
NOW = f"{AS_OF}T10:00:00+08:00"


@pytest.fixture
def futian_stations(db, shared_data, database_url) -> None:
    """The real Futian streets, 福田 the key district, and 12 love stations spread over it
    (as tests/console/test_workspace_futian.py), with no snapshot yet: the page computes it."""
    from tests.helpers.db import add_futian_stations, load_futian

    load_futian(shared_data, database_url)
    add_futian_stations(db)


def test_a_planner_adds_a_station_saves_it_runs_a_plan_and_downloads_the_report(
    browser, futian_stations, make_user, database_url
) -> None:
    make_user("zhao.plan", "planner")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        w = watched_page(browser, base, viewport={"width": 1280, "height": 1000})
        page = w.page
        sign_in(page, base, "zhao.plan")

        # The workspace: the date is not computed yet, so compute it from the page.
        page.goto(f"{base}/console/workspace")
        page.wait_for_selector("#ws-not-computed:not([hidden])")
        page.click("#ws-compute")
        page.wait_for_selector("#ws-figures:not([hidden])", timeout=300_000)
        assert page.text_content("#ws-fig-stations") == "12"
        page.wait_for_selector("#ws-gaps tbody tr", timeout=60_000)

        # A station in the largest gap: zoom to its street, add one at the map's centre.
        page.locator("#ws-gaps tbody tr").first.locator("button").click()
        with page.expect_response(lambda r: r.url.endswith("/api/v1/whatif")) as info:
            page.click("#ws-add-centre")
        assert info.value.status == 200
        delta = info.value.json()["delta"]["main_street_share"]
        assert delta > 0
        page.wait_for_function(
            "s => document.getElementById('ws-delta-street').textContent === s",
            arg=_points(delta),
        )

        # Saved by name, listed.
        page.fill("#ws-name", "福田最大缺口补点")
        page.click("#ws-save")
        page.locator("#ws-scenarios tbody tr", has_text="福田最大缺口补点").wait_for()
        page.screenshot(path=str(ARTIFACTS / "planner-journey-workspace.png"), full_page=True)
        report_href = page.get_attribute("#ws-report-html", "href") or ""
        assert f"as_of={AS_OF}" in report_href

        # The Plan page, by the workspace's link: best 2 sites with a short time limit.
        page.click("#ws-plan-link")
        page.wait_for_url(f"{base}/console/plan*")
        assert page.input_value("#p-as-of") == AS_OF
        page.check("#p-mode-k")
        page.fill("#p-k", "2")
        page.fill("#p-time", "10")
        page.click("#p-run")
        page.wait_for_selector("#p-results:not([hidden])", timeout=240_000)
        assert page.locator("#p-sites tbody tr").count() == 2
        assert page.locator("#p-map .leaflet-marker-icon").count() == 2
        page.screenshot(path=str(ARTIFACTS / "planner-journey-plan.png"), full_page=True)

        # The sites' CSV in WGS-84: two sites inside Futian.
        with page.expect_download() as download:
            page.click("#p-csv-wgs84")
        text = download.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 2 and {r["crs"] for r in rows} == {"wgs84"}
        lon_col = next(k for k in rows[0] if k.startswith(("lon", "lng")))
        lat_col = next(k for k in rows[0] if k.startswith("lat"))
        for r in rows:
            assert 113.9 < float(r[lon_col]) < 114.2 and 22.45 < float(r[lat_col]) < 22.65

        # The workspace's HTML report of the date, downloaded with the session.
        report = page.request.get(f"{base}{report_href}")
        assert report.status == 200 and report.headers["content-type"].startswith("text/html")
        html = report.text()
        (ARTIFACTS / "planner-journey-report.html").write_text(html, encoding="utf-8")
        assert AS_OF in html and "福田" in html
        assert "folium" in html.lower() or "leaflet" in html.lower()  # the report's map
        # Every asset inlined, so the file opens offline (a link to a web page may stay).
        assets = re.findall(r"""src=["'](https?://[^"']+)""", html)
        assets += re.findall(r"""<link[^>]+href=["'](https?://[^"']+)""", html)
        assert assets == []
        assert w.errors == []
        assert w.outside == []
