"""The Plan page (#16): planners and admins run a siting plan from the console. On the
server: who gets the page, its script and policy, its default date. In a real headless
Chromium on the real Futian network: a planner runs the best 3 sites, sees the progress
and the 3 sites on the map and in the table, moves one, re-verifies, downloads the CSV;
no console error, nothing asked of any server but Yizhan."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from geo import clock
from maps.assets import asset_url
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server
from tests.helpers.paths import ROOT

AS_OF = "2026-11-24"
NOW = f"{AS_OF}T10:00:00+08:00"


def _config(html: str) -> dict:
    return json.loads(html.split('id="console-config" type="application/json">')[1].split("<")[0])


def test_planners_and_admins_get_the_plan_page(signed_in) -> None:
    for name, role in (("zhao.plan", "planner"), ("chen.admin", "admin")):
        client = signed_in(name, role)
        with clock.frozen(NOW):
            page = client.get("/console/plan")
        assert page.status_code == 200, role
        assert 'href="/console/plan" aria-current="page"' in page.text
        assert asset_url("/static/yizhan/console-plan.js") in page.text
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
        assert "<script>" not in page.text
        config = _config(page.text)
        assert config["today"] == AS_OF and config["max_time_limit_s"] == 300
        for text in ("选址方案", "siting plan", "最优 k 个", "重新核验", "以往方案", "GCJ-02"):
            assert text in page.text
        assert 'href="/console/plan"' in client.get("/console").text


def test_the_plan_page_refuses_other_roles_and_strangers(signed_in, client) -> None:
    for name, role in (("wang.field", "field_staff"), ("li.review", "reviewer")):
        r = signed_in(name, role).get("/console/plan", follow_redirects=False)
        assert r.status_code == 403 and "The Plan page is for these roles" in r.text
    client.cookies.clear()
    r = client.get("/console/plan", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/console/login")


def test_the_plan_script_never_assigns_html() -> None:
    js = (ROOT / "maps" / "static" / "console-plan.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js


@pytest.mark.browser
@pytest.mark.realcity
def test_a_planner_runs_best_3_on_futian_moves_a_site_re_verifies_and_downloads_csv(
    browser, shared_data, database_url, make_user
) -> None:
    from tests.helpers.db import load_futian

    load_futian(shared_data, database_url)
    make_user("zhao.plan", "planner")
    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
        page = w.page
        sign_in(page, base, "zhao.plan")
        page.goto(f"{base}/console/plan")
        assert page.input_value("#p-as-of") == AS_OF
        page.check("#p-mode-k")
        page.fill("#p-k", "3")
        page.fill("#p-time", "10")
        page.click("#p-run")
        # The progress shows while the job runs, then the 3 sites.
        page.wait_for_selector("#p-job:not([hidden])")
        page.wait_for_selector("#p-results:not([hidden])", timeout=240_000)
        assert page.get_attribute("#p-progress", "value") == "1"
        assert "已完成" in page.text_content("#p-stage")
        assert "方案已完成" in page.text_content("#p-status")
        assert page.locator("#p-sites tbody tr").count() == 3
        assert page.locator("#p-map .leaflet-marker-icon").count() == 3
        job_id = page.url.split("job=")[1]
        assert httpx.get(f"{base}/api/v1/plans/{job_id}").status_code == 401  # no session

        # Move the first site by keyboard: 50 m east, twice.
        pin = page.locator("#p-map .leaflet-marker-icon").first
        pin.focus()
        page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press("Shift+ArrowRight")
        assert page.get_attribute("#p-site-row-0", "class") == "moved"
        lon_before = float(page.input_value("#p-site-lon-0"))
        # ... and the second one by typing its coordinates.
        page.fill("#p-site-lat-1", f"{float(page.input_value('#p-site-lat-1')) + 0.002:.6f}")
        page.press("#p-site-lat-1", "Tab")
        assert "moved" in page.get_attribute("#p-site-row-1", "class")
        page.click("#p-verify")
        page.wait_for_selector("#p-verified:not([hidden])", timeout=120_000)
        verified = page.text_content("#p-verified")
        assert "方案位置" in verified and "移动后" in verified and "差值" in verified
        assert float(page.input_value("#p-site-lon-0")) == lon_before
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-plan.png"), full_page=True)

        # The CSV in GCJ-02 names its datum.
        with page.expect_download() as download:
            page.click("#p-csv-gcj02")
        text = download.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 3 and {r["crs"] for r in rows} == {"gcj02"}
        assert "lng_gcj02" in rows[0]

        # The run is listed among the earlier runs.
        assert page.locator("#p-runs tbody tr").count() == 1
        assert "3" in page.text_content("#p-runs tbody tr td:nth-child(5)")

        # Tap targets on a phone-width screen.
        page.set_viewport_size({"width": 390, "height": 844})
        small = page.evaluate(
            """() => [...document.querySelectorAll('main a, main button, main select,'
                + ' main input:not([type=radio]), main label.choice')]
                .filter(e => e.offsetParent !== null)
                .filter(e => !e.closest('.leaflet-control-attribution'))
                .filter(e => e.getBoundingClientRect().height < 44)
                .map(e => e.id || e.textContent)"""
        )
        assert small == []
        assert w.errors == []
        assert w.outside == []


@pytest.mark.browser
def test_the_progress_survives_a_429_and_a_lost_connection(browser, db, make_user, database_url):
    """The page's polling waits out a 429 (its Retry-After) and a dropped connection,
    says so, and goes on to show the plan."""
    from tests.helpers.cities import MAIN_STREET, load_streets

    load_streets(db, MAIN_STREET)
    make_user("zhao.plan", "planner")
    polls: list[str] = []

    def flaky(route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        polls.append(route.request.url)
        if len(polls) == 1:
            route.fulfill(
                status=429,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"code": "rate_limited", "message": "请求过多", "message_en": "too many"}',
            )
        elif len(polls) == 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
        page = w.page
        sign_in(page, base, "zhao.plan")
        page.goto(f"{base}/console/plan")
        page.route("**/api/v1/plans/*", flaky)
        page.fill("#p-time", "10")
        page.click("#p-run")
        page.wait_for_selector("#p-status:has-text('请求过多')")
        page.wait_for_selector("#p-status:has-text('连接中断')")
        page.wait_for_selector("#p-results:not([hidden])", timeout=120_000)
        assert "方案已完成" in page.text_content("#p-status")
        assert page.locator("#p-sites tbody tr").count() >= 1
        assert len(polls) >= 3
        # The browser logs the refused poll and the 429 itself; nothing else.
        unexpected = [e for e in w.errors if "429" not in e and "ERR_CONNECTION_RESET" not in e]
        assert unexpected == []
        assert w.outside == []
