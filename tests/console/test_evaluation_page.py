"""The yearly evaluation page: who may open it, and in a real headless Chromium against a
real uvicorn (its clock fixed in January 2026) a planner evaluates 2025, reads the stars
and flags, opens a row's reasons by keyboard, filters, downloads the XLSX, on a desktop
and a phone-width screen, with no console error and no request leaving the server."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from geo import clock
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import start_server, stop_server
from tests.operations.evaluation_data import load_year

NOW = "2026-01-10T12:00:00+08:00"


def test_page_roles(signed_in):
    for role in ("planner", "reviewer", "admin"):
        r = signed_in(f"ev.{role}", role).get("/console/evaluation")
        assert r.status_code == 200, role
        assert "/static/yizhan/console-evaluation." in r.text
        assert 'href="/console/evaluation"' in r.text
    r = signed_in("ev.field", "field_staff").get("/console/evaluation")
    assert r.status_code == 403
    assert 'href="/console/evaluation"' not in r.text


@pytest.fixture
def server(db, database_url):
    with clock.frozen(NOW):
        ids = load_year(db)
    base, proc = start_server(database_url, YIZHAN_NOW=NOW)
    try:
        yield base, ids
    finally:
        stop_server(proc)


def _names(page) -> list[str]:
    return page.locator("#ev-table tbody tr[data-id] button.expand").all_text_contents()


@pytest.mark.browser
def test_planner_evaluates_a_year_reads_reasons_filters_and_downloads(browser, server, planner):
    base, ids = server
    w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
    page = w.page
    sign_in(page, base, "zhao.plan")
    page.goto(f"{base}/console/evaluation")
    # The city's current year first (2026, as of its today).
    page.wait_for_selector("#ev-status:has-text('截至 2026-01-10')")
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/evaluation"

    page.fill("#ev-year", "2025")
    page.press("#ev-year", "Enter")
    page.wait_for_selector("#ev-status:has-text('截至 2025-12-31')")
    assert "as of 2025-12-31" in page.text_content("#ev-status")
    assert _names(page) == ["甲驿站", "乙驿站", "丙母婴室", "丁书屋"]
    b = page.locator(f"#ev-table tr[data-id='{ids['B']}']")
    assert b.locator(".stars").get_attribute("aria-label") == "2 星 / 2 of 5 stars"
    assert b.locator(".star-icons").text_content() == "★★☆☆☆"
    assert b.locator(".score").text_content() == "64"
    assert b.locator(".flags").text_content().strip() == "降级 downgrade"

    # A row opens to its reasons by keyboard.
    button = b.locator("button.expand")
    button.focus()
    page.keyboard.press("Enter")
    detail = page.locator(f"#reasons-{ids['B']}")
    detail.wait_for(state="visible")
    assert button.get_attribute("aria-expanded") == "true"
    text = detail.text_content()
    assert "3 次巡查中 1 次按公布时间开放" in text
    assert "open at the published hours on 1 of 3 inspections" in text
    assert "按得分为 3 星，因降级标记为 2 星" in text

    # Filters: flag, district, kind.
    page.select_option("#f-flag", "stale")
    assert _names(page) == ["丙母婴室", "丁书屋"]
    page.select_option("#f-flag", "")
    page.select_option("#f-district", "罗湖")
    assert _names(page) == ["乙驿站", "丁书屋"]
    page.select_option("#f-kind", "love_station")
    assert _names(page) == ["乙驿站"]
    page.select_option("#f-flag", "no_data")
    page.wait_for_selector("#ev-empty:not([hidden])")
    page.select_option("#f-flag", "")
    page.select_option("#f-district", "")
    page.select_option("#f-kind", "")

    href = page.get_attribute("#ev-xlsx", "href")
    assert href == "/api/v1/evaluation/xlsx?year=2025&as_of=2025-12-31"
    r = page.context.request.get(base + href)
    assert r.status == 200
    assert load_workbook(io.BytesIO(r.body()))["评估结果"].max_row == 5

    # A bad as-of date: the reason in both languages, the last answer kept.
    page.fill("#ev-as-of", "2026-02-01")
    page.click("#ev-submit")
    page.wait_for_selector("#ev-error:not(:empty)")
    assert "不在 2025 年内" in page.text_content("#ev-error")
    assert "is not in 2025" in page.text_content("#ev-error")
    assert len(_names(page)) == 4
    page.fill("#ev-as-of", "")
    page.click("#ev-submit")
    page.wait_for_selector("#ev-error:empty", state="attached")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    button = page.locator(f"#ev-table tr[data-id='{ids['B']}'] button.expand")
    button.click()
    page.locator(f"#reasons-{ids['B']}").wait_for(state="visible")
    page.screenshot(path=str(ARTIFACTS / "console-evaluation.png"), full_page=True)

    # On a phone: every control at least 44 px tall.
    page.set_viewport_size({"width": 390, "height": 844})
    for sel in ("#ev-year", "#ev-as-of", "#ev-submit", "#f-kind", "#f-district", "#f-flag",
                "#ev-xlsx", "#ev-table button.expand"):  # fmt: skip
        box = page.locator(sel).first.bounding_box()
        assert box is not None and box["height"] >= 44, sel
    # The 422 of the refused date is an answer the page shows, not a failure of the page.
    assert [e for e in w.errors if "422 (Unprocessable" not in e] == []
    assert w.outside == []


def test_the_evaluation_script_never_assigns_html() -> None:
    from maps.console import STATIC

    js = (STATIC / "console-evaluation.js").read_text("utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in js, sink
