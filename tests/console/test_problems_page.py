"""Problem reports end to end in a real Chromium against a real uvicorn (#15): a worker
reports "closed" from the map sheet's form (opened by the QR deep link) with a photo, a
reviewer confirms it in the console and closes the station, the map no longer shows it,
the reviewer marks it fixed and reopens it, and the map shows it again. No request leaves
127.0.0.1, no console error; the form and the page pass the 44 px tap-target check."""

from __future__ import annotations

import io
import json
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers.browser import ARTIFACTS, launch
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server

PHONE = {"width": 390, "height": 844}
TAP_TARGETS_JS = (Path(__file__).parent / "tap_targets.js").read_text(encoding="utf-8")


def _station(db) -> int:
    row = db.execute(
        "INSERT INTO stations (kind, name, services, opening_hours, geom) VALUES "
        "('love_station', '福田爱心驿站', ARRAY['drinking_water', 'toilet'], '24/7', "
        "ST_SetSRID(ST_MakePoint(114.0579, 22.5431), 4326)) RETURNING id"
    ).fetchone()
    return int(row["id"])


def _public_ids(base: str) -> list[int]:
    url = f"{base}/api/v1/stations?bbox=114.0,22.5,114.1,22.6&limit=100"
    with urllib.request.urlopen(url) as r:  # noqa: S310 - the local test server
        return [f["id"] for f in json.load(r)["features"]]


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "closed.jpg"
    img = Image.new("RGB", (64, 48), (180, 30, 30))
    out = io.BytesIO()
    img.save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.browser
def test_report_confirm_close_fix_reopen(database_url, db, reviewer, tmp_path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    sid = _station(db)
    with (
        running_server(database_url, YIZHAN_BASEMAP="none") as base,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p)
        try:
            worker = watched_page(browser, base, viewport=PHONE)
            page = worker.page
            # The QR page's link: the station's sheet with its report form open.
            page.goto(f"{base}/?station={sid}&report=1")
            page.wait_for_selector("#report-form:not([hidden])")
            assert page.text_content("#sheet-name") == "福田爱心驿站"
            page.wait_for_selector("#sheet-verified:has-text('尚未核实')")
            assert page.evaluate("document.activeElement.id") == "report-cat-closed"
            assert page.get_attribute("#report-photo", "accept") == "image/*"
            assert "天后自动删除" in page.text_content("#report-privacy")
            # Nothing chosen: told what to do, nothing sent.
            page.click("#report-submit")
            assert page.text_content("#report-error") == "请选择问题类别"
            # service_missing asks which of the station's services.
            page.click("label[for=report-cat-service_missing]")
            assert page.is_visible("#report-service")
            assert page.locator("#report-service option").all_text_contents() == [
                "饮用水",
                "卫生间",
            ]
            page.keyboard.press("Shift+Tab")  # keyboard: back to the radio group
            page.click("label[for=report-cat-closed]")
            assert not page.is_visible("#report-service")
            page.fill("#report-details", "门口贴了停业通知")
            page.set_input_files("#report-photo", str(_photo(tmp_path)))
            page.fill("#report-phone", "13800138000")
            assert page.evaluate(TAP_TARGETS_JS) == []
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "map-report-form.png"), full_page=True)
            page.click("#report-submit")
            page.wait_for_selector("#report-result:has-text('回执号')")
            receipt = page.text_content("#report-result").split("回执号 ")[1][:11]
            assert receipt.startswith("P")
            assert page.is_hidden("#report-form")

            # The reviewer confirms in the console and closes the station.
            staff = watched_page(browser, base, viewport={"width": 1280, "height": 900})
            console = staff.page
            sign_in(console, base, "li.review")
            console.goto(f"{base}/console/problems")
            item = console.locator(f"li[data-receipt='{receipt}']")
            item.wait_for()
            assert "138****8000" in item.text_content()
            assert "13800138000" not in console.content()
            assert "门口贴了停业通知" in item.text_content()
            # The photo loads from the staff photo endpoint (decoded: its real width).
            sync_api.expect(item.locator(".problem-photo")).to_have_js_property("naturalWidth", 64)
            item.locator("textarea").fill("电话核实：暂停营业")
            item.locator("input[type=checkbox]").check()
            console.screenshot(path=str(ARTIFACTS / "console-problems.png"), full_page=True)
            item.locator("button[data-action=confirm]").click()
            console.wait_for_selector("#status:has-text('站点已暂停')")
            assert sid not in _public_ids(base)

            # The map: the deep link finds no open station; the list has none.
            page.goto(f"{base}/?station={sid}")
            page.wait_for_selector("#status:has-text('没有编号')")
            assert page.is_hidden("#sheet")

            # Fixed and reopened.
            console.select_option("#f-state", "confirmed")
            console.click("#filter-submit")
            item = console.locator(f"li[data-receipt='{receipt}']")
            item.wait_for()
            assert item.locator("input[type=checkbox]").is_checked()  # reopen is offered
            item.locator("textarea").fill("已恢复开放")
            item.locator("button[data-action=fixed]").click()
            console.wait_for_selector("#status:has-text('站点已重新开放')")
            console.select_option("#f-state", "fixed")
            console.click("#filter-submit")
            console.locator(f"li[data-receipt='{receipt}'] .resolve-time").wait_for()
            assert sid in _public_ids(base)

            page.goto(f"{base}/?station={sid}")
            page.wait_for_selector("#sheet:not([hidden])")
            page.wait_for_selector("#sheet-verified:has-text('尚未核实')")
            assert page.locator("#sheet-notices .notice").count() == 0
            page.locator(".st-icon").first.wait_for()
            # The one error: the closed station's 404, which the browser logs itself.
            assert worker.errors == [
                "Failed to load resource: the server responded with a status of 404 "
                f"(Not Found) @ {base}/api/v1/stations/{sid}?crs=wgs84"
            ]
            assert worker.outside == []
            assert staff.errors == [] and staff.outside == []
        finally:
            browser.close()


@pytest.mark.browser
def test_report_form_and_problem_queue_pass_axe(database_url, db, reviewer, browser) -> None:
    from tests.console.test_accessibility import BLOCKING, _axe, _axe_source

    source = _axe_source()
    sid = _station(db)
    db.execute(
        "INSERT INTO station_problems (receipt, station_id, category, details, phone) "
        "VALUES ('PAXE2345678', %s, 'closed', '门锁着', '13800138000')",
        (sid,),
    )
    with running_server(database_url, YIZHAN_BASEMAP="none") as base:
        # The CSP (rightly) refuses an injected script: this context alone bypasses it.
        worker = watched_page(browser, base, viewport=PHONE, bypass_csp=True)
        worker.page.goto(f"{base}/?station={sid}&report=1")
        worker.page.wait_for_selector("#report-form:not([hidden])")
        staff = watched_page(
            browser, base, viewport={"width": 1280, "height": 900}, bypass_csp=True
        )
        sign_in(staff.page, base, "li.review")
        staff.page.goto(f"{base}/console/problems")
        staff.page.locator("li[data-receipt=PAXE2345678]").wait_for()
        blocking = [
            f"{where}: {v['id']} ({v['impact']}) {v['help']}: " + ", ".join(v["targets"][:5])
            for where, w in (("map", worker), ("console", staff))
            for v in _axe(w.page, source)
            if v["impact"] in BLOCKING
        ]
        assert blocking == []
        assert worker.errors == [] and staff.errors == []
