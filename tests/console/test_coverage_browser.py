"""The Coverage page in a real headless Chromium against a real uvicorn whose clock is
fixed (YIZHAN_NOW): a planner signs in, lands on Coverage and sees the figures of the
day, the targets and the data health; a date not computed yet is computed from the page;
the report link opens the offline report under its own policy. The field form links a
signed-in person to the console pages of their role."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.coverage import service
from tests.console.test_coverage_page import AS_OF, city  # noqa: F401 - the fixture
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server
from tests.helpers.staff import PASSWORD

# 10:00 in Beijing on the as-of day: the page's default date.
NOW = f"{AS_OF}T10:00:00+08:00"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


@pytest.mark.browser
def test_planner_lands_on_coverage_sees_the_figures_computes_a_date_and_opens_the_report(
    browser,
    city,  # noqa: F811 - the fixture
    planner,
    database_url,
) -> None:
    today = service.run(city, service.question(dt.date.fromisoformat(AS_OF), "love_station"))
    with running_server(database_url, YIZHAN_NOW=NOW) as base:
        w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
        page = w.page
        sign_in(page, base, "zhao.plan")
        assert page.url == f"{base}/console/coverage"
        page.wait_for_selector("#figures:not([hidden])")
        assert page.input_value("#cov-as-of") == AS_OF
        assert page.input_value("#cov-kind") == "love_station"
        figures = today["figures"]["summary"]
        assert page.text_content("#fig-street") == _pct(figures["main_street_share"])
        assert page.text_content("#fig-key") == _pct(figures["key_district_share"])
        assert page.text_content("#fig-stations") == "2"
        target = page.locator("#cov-targets tbody tr[data-metric='main_street_coverage']")
        target.wait_for()
        assert "95.0%" in target.text_content()
        assert target.get_attribute("data-status") in {"on_track", "at_risk", "off_track"}
        page.wait_for_selector("#health li")
        assert page.get_attribute("#report-link", "href") == (
            f"/console/coverage/report?as_of={AS_OF}&kind=love_station"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-coverage.png"), full_page=True)

        # A date not computed yet: "not computed", then computed from the page by keyboard.
        page.fill("#cov-as-of", "2026-09-30")
        page.press("#cov-as-of", "Enter")
        page.wait_for_selector("#not-computed:not([hidden])")
        assert page.is_hidden("#figures")
        page.focus("#cov-compute")
        page.keyboard.press("Enter")
        page.wait_for_selector("#figures:not([hidden])")
        assert "已计算" in page.text_content("#status")
        september = service.stored(city, service.question(dt.date(2026, 9, 30), "love_station"))
        only_jia = september["figures"]["summary"]
        assert page.text_content("#fig-street") == _pct(only_jia["main_street_share"])
        assert page.text_content("#fig-stations") == "1"

        # Tap targets on a phone-width screen.
        page.set_viewport_size({"width": 390, "height": 844})
        small = page.evaluate(
            """() => [...document.querySelectorAll('main a, main button, main input, main select')]
                .filter(e => e.offsetParent !== null)
                .filter(e => e.getBoundingClientRect().height < 44)
                .map(e => e.id || e.textContent)"""
        )
        assert small == []

        # The report of the chosen date, offline, its scripts allowed by its own policy.
        with page.expect_navigation(timeout=120_000):
            page.click("#report-link")
        page.wait_for_function("window.reportMapReady === true", timeout=10_000)
        assert page.locator(".leaflet-overlay-pane path").count() > 0
        assert "截至 2026-09-30" in page.text_content(".meta")
        # A date not computed yet is an empty runs listing, not an error answer.
        assert w.errors == []
        assert w.outside == []


@pytest.mark.browser
def test_the_field_form_links_a_signed_in_person_to_the_console_pages_of_their_role(
    browser, live_server, make_user
) -> None:
    base = live_server
    expected = {
        "field_staff": [
            "/console/stations",
            "/console/unlocated",
            "/console/import",
            "/console/mine",
            "/console/inspect",
            "/console/usage",
            "/console",
        ],
        "reviewer": [
            "/console/review",
            "/console/stations",
            "/console/unlocated",
            "/console/import",
            "/console/problems",
            "/console/evaluation",
            "/console/inspect",
            "/console/usage",
            "/console",
        ],
        "planner": [
            "/console/stations",
            "/console/targets",
            "/console/coverage",
            "/console/evaluation",
            "/console/plan",
            "/console/workspace",
            "/console",
        ],
    }
    for role, links in expected.items():
        name = make_user(f"user.{role}", role)
        w = watched_page(browser, base, viewport={"width": 390, "height": 844})
        page = w.page
        page.goto(f"{base}/staff")
        page.fill("#login-username", name)
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#console-links:not([hidden])")
        hrefs = page.eval_on_selector_all(
            "#console-links a", "as => as.map(a => a.getAttribute('href'))"
        )
        assert sorted(hrefs) == sorted(links), role
        if role != "field_staff":  # the landing page comes first and says so
            first = page.locator("#console-links a").first
            assert "进入控制台" in first.text_content()
            assert first.get_attribute("href") != "/console"
        heights = page.eval_on_selector_all(
            "#console-links a", "as => as.map(a => a.getBoundingClientRect().height)"
        )
        assert min(heights) >= 44
        assert w.errors == [], role
        assert w.outside == [], role
        page.context.close()
