"""The Stations registry page (/console/stations): on the server, who may open it and
what it is given (the districts to filter by); in a real headless Chromium against a
real uvicorn, a field worker and a planner search, filter, sort (by mouse and keyboard)
and page, the state survives a reload and the back button, a row leads to its station
page, and on a phone the table scrolls sideways with tap targets of 44 px."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from maps.assets import asset_url
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.registry import import_registry

RANGE = "#range"
ROWS = "#stations tbody tr"


def test_the_registry_without_a_session_goes_to_sign_in(client) -> None:
    r = client.get("/console/stations", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"


def test_the_registry_is_for_every_role_of_the_staff(signed_in) -> None:
    for name, role in (
        ("wang.field", "field_staff"),
        ("li.review", "reviewer"),
        ("zhao.plan", "planner"),
        ("chen.admin", "admin"),
    ):
        r = signed_in(name, role).get("/console/stations")
        assert r.status_code == 200, role
        assert r.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert 'href="/console/stations" aria-current="page"' in r.text
        assert '站点 <small lang="en">Stations</small>' in r.text
        assert (
            f'<script src="{asset_url("/static/yizhan/console-stations.js")}"></script>' in r.text
        )
        assert "<script>" not in r.text and "style=" not in r.text
        assert '"page_size": 50' in r.text


def test_the_navigation_lists_stations_right_after_review(signed_in) -> None:
    text = signed_in("li.review", "reviewer").get("/console/stations").text
    nav = re.findall(r'<li><a href="([^"]+)"', text)
    assert nav[:2] == ["/console/review", "/console/stations"]


def test_the_district_filter_offers_loaded_districts_and_the_stations_own(
    signed_in, reviewer, db
) -> None:
    client = signed_in("zhao.plan", "planner")
    import_registry(client.post, reviewer)
    # Loaded after the import (whose positions lie outside it): a district no station has.
    db.execute(
        "INSERT INTO districts (name, geom, area_m2) VALUES ('宝安区',"
        " ST_Multi(ST_MakeEnvelope(113.8, 22.5, 113.9, 22.6, 4326)), 1e8)"
    )
    config = text_config(client.get("/console/stations").text)
    assert set(config["districts"]) == {"宝安区", "南山区", "福田区", "罗湖区"}
    in_order = db.execute(
        "SELECT n FROM unnest(%s::text[]) n ORDER BY n", (config["districts"],)
    ).fetchall()
    assert config["districts"] == [r["n"] for r in in_order]  # the database's order
    review_states = [t["code"] for t in config["review_states"]]
    assert review_states == ["approved", "pending_review", "rejected"]


def text_config(html: str) -> dict:
    found = re.search(r'<script id="console-config" type="application/json">(.*?)</script>', html)
    assert found
    return json.loads(found.group(1))


# ---------------------------------------------------------------- in Chromium


@pytest.fixture
def stations(live_server, reviewer):
    """The registry's 65 stations, imported by a reviewer through the live server."""
    with httpx.Client(base_url=live_server, timeout=60) as http:
        import_registry(http.post, reviewer)
    return live_server


def _open(browser, base: str, name: str, **context):
    w = watched_page(browser, base, **context)
    sign_in(w.page, base, name)
    return w


def _names(page) -> list[str]:
    return page.locator(f"{ROWS} td.c-name a").all_text_contents()


def _wait_range(page, text: str) -> None:
    """Wait for the answer to the last request, then for the range to say ``text``."""
    page.wait_for_selector("#stations:not([aria-busy])", state="attached")
    page.wait_for_selector(f"{RANGE}:has-text('{text}')")


@pytest.mark.browser
def test_field_worker_searches_sorts_pages_and_follows_a_row(browser, stations, staff) -> None:
    from playwright.sync_api import expect

    base = stations
    w = _open(browser, base, "wang.field", viewport={"width": 1280, "height": 1000})
    page = w.page
    page.goto(f"{base}/console/stations")
    _wait_range(page, "第 1–50 条，共 65 条")
    assert page.locator(ROWS).count() == 50
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/stations"
    assert page.get_attribute("th[data-sort=updated]", "aria-sort") == "descending"
    assert page.text_content("#range").endswith("1–50 of 65")

    # Paging: next, the URL keeps the page; a reload and the back button agree.
    page.click("#next")
    _wait_range(page, "第 51–65 条，共 65 条")
    assert page.locator(ROWS).count() == 15
    assert page.url.endswith("/console/stations?page=2")
    assert page.is_disabled("#next") and not page.is_disabled("#prev")
    page.reload()
    _wait_range(page, "第 51–65 条，共 65 条")
    page.go_back()
    _wait_range(page, "第 1–50 条，共 65 条")
    expect(page.locator("#prev")).to_be_disabled()

    # Sorting: by name A to Z, then Z to A (the same button again).
    page.click("button.sort[data-sort=name]")
    page.wait_for_selector("th[data-sort=name][aria-sort=ascending]")
    _wait_range(page, "第 1–50 条")
    expect(page.locator(f"{ROWS} td.c-name a").first).to_have_text("A_B 职工驿站")
    assert _names(page)[:3] == ["A_B 职工驿站", "AxB 职工驿站", "Lotus Hall 爱心驿站"]
    assert page.get_attribute("th[data-sort=updated]", "aria-sort") == "none"
    page.click("button.sort[data-sort=name]")
    page.wait_for_selector("th[data-sort=name][aria-sort=descending]")
    expect(page.locator(f"{ROWS} td.c-name a").first).not_to_have_text("A_B 职工驿站")
    assert "sort=name" in page.url and "order=desc" in page.url

    # Search by keyboard: type, Enter; case does not matter; % is taken literally.
    page.fill("#f-q", "LOTUS")
    page.press("#f-q", "Enter")
    _wait_range(page, "共 1 条")
    assert _names(page) == ["Lotus Hall 爱心驿站"]
    assert "q=LOTUS" in page.url
    page.fill("#f-q", "100%")
    page.press("#f-q", "Enter")
    _wait_range(page, "共 1 条")
    assert _names(page) == ["满意度100%驿站"]
    page.go_back()
    expect(page.locator(f"{ROWS} td.c-name a")).to_have_text(["Lotus Hall 爱心驿站"])
    assert page.input_value("#f-q") == "LOTUS"

    # Filters: the unlocated draft, marked so; then nothing matches.
    page.click("#f-clear")
    _wait_range(page, "共 65 条")
    page.select_option("#f-unlocated", "true")
    page.click("#f-search")
    _wait_range(page, "共 1 条")
    row = page.locator(ROWS).first
    assert row.locator("td.c-name").text_content() == "翠竹街待定位驿站"
    assert "未定位" in row.locator("td.c-position").text_content()
    assert "待审核" in row.locator("td.c-review").text_content()
    assert row.locator("td.c-district").text_content() == "罗湖区"
    page.select_option("#f-unlocated", "")
    page.select_option("#f-district", "南山区")
    page.select_option("#f-status", "open")
    page.click("#f-search")
    page.wait_for_selector("#empty:not([hidden])")
    assert page.text_content(RANGE).startswith("共 0 条")

    # By keyboard alone: a sort button takes Enter; the focus stays on it.
    page.click("#f-clear")
    _wait_range(page, "共 65 条")
    page.focus("button.sort[data-sort=district]")
    page.keyboard.press("Enter")
    page.wait_for_selector("th[data-sort=district][aria-sort=ascending]")
    _wait_range(page, "第 1–50 条")
    assert page.evaluate("document.activeElement.getAttribute('data-sort')") == "district"
    expect(page.locator(f"{ROWS} td.c-district").first).to_have_text("南山区")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") in (
        "solid",
        "auto",
    )

    # The last change is shown in the city's time, and a row leads to its station page.
    updated = page.locator(f"{ROWS} td.c-updated").first.text_content()
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", updated), updated
    link = page.locator(f"{ROWS} td.c-name a").first
    href = link.get_attribute("href")
    assert re.fullmatch(r"/console/stations/\d+", href or "")
    assert w.errors == [] and w.outside == []
    with page.expect_navigation():
        link.focus()
        page.keyboard.press("Enter")
    assert page.url == f"{base}{href}"
    page.wait_for_selector("#history li")  # the station's own page, its history loaded
    assert w.errors == []
    assert w.outside == []


@pytest.mark.browser
def test_planner_filters_and_sorts_and_the_page_works_on_a_phone(
    browser, stations, planner
) -> None:
    from playwright.sync_api import expect

    base = stations
    w = _open(browser, base, "zhao.plan", viewport={"width": 1280, "height": 1000})
    page = w.page
    page.click("#nav a[href='/console/stations']")
    _wait_range(page, "共 65 条")
    page.select_option("#f-status", "planned")
    page.select_option("#f-district", "南山区")
    page.click("#f-search")
    _wait_range(page, "共 20 条")
    page.click("button.sort[data-sort=name]")
    page.wait_for_selector("th[data-sort=name][aria-sort=ascending]")
    expect(page.locator(f"{ROWS} td.c-name a").first).to_have_text("站点01")
    names = _names(page)
    assert names[:3] == ["站点01", "站点04", "站点07"] and len(names) == 20
    statuses = set(page.locator(f"{ROWS} td.c-status").all_text_contents())
    assert statuses == {"规划中 planned"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.click("#f-clear")
    _wait_range(page, "第 1–50 条，共 65 条")
    page.screenshot(path=str(ARTIFACTS / "console-stations.png"), full_page=True)
    assert w.errors == [] and w.outside == []

    # A phone: the table scrolls sideways inside its box, the page does not; every
    # control is at least 44 px tall.
    phone = _open(browser, base, "zhao.plan", viewport={"width": 390, "height": 844})
    p = phone.page
    p.goto(f"{base}/console/stations?sort=name&page=2")
    _wait_range(p, "第 51–65 条，共 65 条")
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert p.evaluate(
        "(() => { const b = document.querySelector('.table-scroll');"
        " return b.scrollWidth > b.clientWidth; })()"
    )
    small = p.evaluate(
        """() => [...document.querySelectorAll(
              'main button, main select, main input, #stations a')]
            .map(e => [e.id || e.textContent.trim(), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)"""
    )
    assert small == []
    p.screenshot(path=str(ARTIFACTS / "console-stations-phone.png"), full_page=True)
    assert phone.errors == [] and phone.outside == []
