"""The Targets page in a real headless Chromium against a real uvicorn: a planner sets a
target and sees it listed, changes it, is told plainly why a bad value is refused, and
removes a target only with a reason; every change is audited with their name."""

from __future__ import annotations

import pytest

from geo.db.connection import connect
from geo.targets import history
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page

ROW = "#targets tbody tr[data-key='{}']"
COVERAGE = "love_station/main_street_coverage/2026-12-31"
COUNT = "worker_bookshop/new_stations/2026-12-31"


@pytest.mark.browser
def test_planner_sets_a_target_sees_it_listed_changes_and_removes_it(
    browser, live_server, planner, database_url
) -> None:
    base = live_server
    w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
    page = w.page
    sign_in(page, base, "zhao.plan")
    page.goto(f"{base}/console/targets")
    page.wait_for_selector("#targets-empty:not([hidden])")
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/targets"

    page.select_option("#t-kind", "love_station")
    page.select_option("#t-metric", "main_street_coverage")
    page.fill("#t-value", "95%")
    page.fill("#t-deadline", "2026-12-31")
    page.fill("#t-note", "主要街道全覆盖")
    page.fill("#t-reason", "2026 年工作要点")
    page.click("#target-submit")
    page.wait_for_selector(ROW.format(COVERAGE))
    row = page.locator(ROW.format(COVERAGE))
    assert row.locator(".value").text_content() == "95%"
    assert row.locator(".target-note").text_content() == "主要街道全覆盖"
    assert "已保存目标" in page.text_content("#status")

    # A bad value: the reason, in Chinese and English; nothing stored.
    page.select_option("#t-kind", "worker_bookshop")
    page.select_option("#t-metric", "new_stations")
    page.fill("#t-value", "2.5")
    page.fill("#t-starts", "2026-01-01")
    page.fill("#t-note", "")
    page.click("#target-submit")
    page.wait_for_selector("#target-error:not(:empty)")
    assert "正整数" in page.text_content("#target-error")
    assert "whole number" in page.text_content("#target-error")
    page.fill("#t-value", "20")
    page.click("#target-submit")
    page.wait_for_selector(ROW.format(COUNT))
    assert page.locator(ROW.format(COUNT)).locator(".value").text_content() == "20 座"

    # Change: the row's values fill the form; a new value replaces the old one.
    page.locator(ROW.format(COVERAGE)).locator("button.edit").click()
    assert page.input_value("#t-value") == "95%"
    assert page.evaluate("document.activeElement.id") == "t-value"
    page.fill("#t-value", "0.98")
    page.fill("#t-reason", "提高目标")
    page.click("#target-submit")
    page.wait_for_selector(f"{ROW.format(COVERAGE)} .value:has-text('98%')")
    assert page.locator("#targets tbody tr").count() == 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-targets.png"), full_page=True)

    # Remove: only with a reason, by keyboard.
    page.locator(ROW.format(COUNT)).locator("button.drop").click()
    page.wait_for_selector("#remove:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "remove-reason"
    page.keyboard.press("Enter")
    page.wait_for_selector("#remove-error:not(:empty)")
    assert page.locator(ROW.format(COUNT)).count() == 1
    page.keyboard.type("并入明年计划")
    page.keyboard.press("Enter")
    page.wait_for_selector("#status:has-text('已删除目标')")
    page.wait_for_selector(ROW.format(COUNT), state="detached")
    assert page.locator("#targets tbody tr").count() == 1

    with connect(database_url) as conn:
        audit = [(a["action"], a["actor"], a["reason"]) for a in history(conn)]
    assert audit == [
        ("create", "zhao.plan", "2026 年工作要点"),
        ("create", "zhao.plan", None),
        ("update", "zhao.plan", "提高目标"),
        ("remove", "zhao.plan", "并入明年计划"),
    ]
    # The refused value's 422 is an answer the page shows, not a failure of the page.
    assert [e for e in w.errors if "422 (Unprocessable" not in e] == []
    assert w.outside == []
