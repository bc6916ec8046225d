"""One station's console page (/console/stations/{id}) on the server and in a real
headless Chromium against a real uvicorn: its history as field diffs, an edit saved
(200) and one sent for review (202), the conflict screen after a 412 with "keep mine",
status changes (temporary closure with a reason, reopening, closing on a date by
keyboard) on a phone-width page, and a field worker's whole correction of a rejected
submission: registered on /staff, rejected with a comment, seen in My submissions,
corrected on the station page, pending review again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from geo.settings import get_settings
from maps.assets import asset_url
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.staff import PASSWORD, offset, station

PHONE = {"width": 390, "height": 844}


def _published(base: str, reviewer: dict[str, str], **over) -> dict:
    r = httpx.post(f"{base}/api/v1/stations", json=station(**over), headers=reviewer)
    assert r.status_code == 201, r.text
    return r.json()


def _stored(base: str, headers: dict[str, str], station_id: int) -> dict:
    r = httpx.get(f"{base}/api/v1/staff/stations/{station_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _patch(base: str, headers: dict[str, str], row: dict, body: dict) -> httpx.Response:
    return httpx.patch(
        f"{base}/api/v1/stations/{row['id']}",
        json=body,
        headers={**headers, "If-Match": f'W/"{row["version"]}"'},
    )


def _open(browser, base: str, name: str, station_id: int, **context):
    w = watched_page(browser, base, **(context or {"viewport": {"width": 1280, "height": 1000}}))
    sign_in(w.page, base, name)
    w.page.goto(f"{base}/console/stations/{station_id}")
    w.page.wait_for_selector("#history li")
    return w


def _refused(base: str, status: str, url: str) -> str:
    """Chromium's console line for an API answer with an error status (the page's own
    handling of it is what the test checks; no script error may appear besides)."""
    return f"Failed to load resource: the server responded with a status of {status} @ {base}{url}"


def _small_targets(page, scope: str) -> list[str]:
    """Visible controls in ``scope`` smaller than 44 × 44 px (a checkbox or radio button
    counts by its label; the map's attribution is text, not a control to tap)."""
    return page.evaluate(
        """(scope) => Array.from(document.querySelectorAll(scope + ' button, ' + scope +
             ' a, ' + scope + ' select, ' + scope + ' textarea, ' + scope + ' label.choice, ' +
             scope + ' input:not([type=checkbox]):not([type=radio])'))
           .filter((e) => e.offsetParent !== null && !e.closest('.leaflet-control-attribution'))
           .map((e) => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
           .filter(([, r]) => r.width < 44 || r.height < 44)
           .map(([id, r]) => id + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""",
        scope,
    )


# ------------------------------------------------------------------ server


def test_station_page_is_for_all_staff_and_not_in_the_navigation(signed_in, client) -> None:
    r = client.get("/console/stations/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    for name, role in (("wang.field", "field_staff"), ("zhao.plan", "planner")):
        page = signed_in(name, role).get("/console/stations/7")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
        assert asset_url("/static/yizhan/console-station.js") in page.text
        assert asset_url("/static/leaflet/leaflet.js") in page.text
        assert '"station_id": 7' in page.text or '"station_id":7' in page.text
        assert "/console/stations/{id}" not in page.text  # not in the navigation
        assert "站点详情" in page.text  # its title
    assert client.get("/console/stations/0").status_code == 422
    assert client.get("/static/yizhan/console-station.js").status_code == 200


def test_station_page_script_sets_no_html() -> None:
    from tests.helpers.paths import ROOT

    script = (ROOT / "maps" / "static" / "console-station.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "outerHTML" not in script
    assert "insertAdjacentHTML" not in script and "document.write" not in script


# ------------------------------------------------------------------ browser


@pytest.mark.browser
def test_history_shows_field_diffs_and_an_edit_is_saved(browser, live_server, reviewer) -> None:
    base = live_server
    row = _published(base, reviewer, name="莲花山爱心驿站")
    r = _patch(base, reviewer, row, {"phone": "0755-7654321", "reason": "电话已更换"})
    assert r.status_code == 200, r.text
    changed = httpx.get(f"{base}/api/v1/stations/{row['id']}/history", headers=reviewer).json()[-1]

    w = _open(browser, base, "li.review", row["id"])
    page = w.page
    assert page.text_content("#station-name") == "莲花山爱心驿站"
    assert "已发布" in page.text_content("#review-state")
    assert page.locator("#station-map .leaflet-marker-icon").count() == 1
    assert page.is_hidden("#no-position")
    newest = page.locator("#history > li").first
    assert newest.locator("tr[data-field=phone] td.from").text_content() == "0755-1234567"
    assert newest.locator("tr[data-field=phone] td.to").text_content() == "0755-7654321"
    assert "li.review" in newest.text_content() and "电话已更换" in newest.text_content()
    city = datetime.fromisoformat(changed["at"]).astimezone(ZoneInfo(get_settings().clock.timezone))
    assert newest.locator("time").text_content() == city.strftime("%Y/%m/%d %H:%M")
    assert "福田区福华三路 88 号" in page.locator("#history > li").last.text_content()
    created = page.locator("#history > li").last.locator("tr[data-field=is_demo]")
    assert created.text_content() == "演示数据 demo data—→否 no"  # named, not a raw flag

    page.click("#open-edit")
    assert page.evaluate("document.activeElement.id") == "e-name"
    assert page.input_value("#e-phone") == "0755-7654321"
    page.fill("#e-opening_hours", "Mo-Su 08:00-20:00")
    page.click("#edit-submit")
    page.locator("#status", has_text="已保存").wait_for()
    assert page.is_hidden("#edit")
    stored = _stored(base, reviewer, row["id"])
    assert stored["opening_hours"] == "Mo-Su 08:00-20:00"
    assert stored["phone"] == "0755-7654321"  # only the changed field was sent
    page.wait_for_selector("#history > li:first-child tr[data-field=opening_hours]")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-station.png"), full_page=True)
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_field_worker_edit_of_a_published_station_is_sent_for_review_and_corrected(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    row = _published(base, reviewer, name="深南大道爱心驿站")
    w = _open(browser, base, "wang.field", row["id"], viewport=PHONE, is_mobile=True)
    page = w.page
    page.click("#open-edit")
    page.fill("#e-phone", "0755-1111111")
    page.click("#edit-submit")
    page.locator("#status", has_text="已提交审核").wait_for()
    assert "sent for review" in page.text_content("#status")
    assert _stored(base, staff, row["id"])["phone"] == "0755-1234567"  # unchanged until approved
    pending = httpx.get(
        f"{base}/api/v1/staff/revisions?station_id={row['id']}", headers=reviewer
    ).json()
    assert [d["proposed"] for d in pending[0]["diff"]] == ["0755-1111111"]
    assert "1 项修改待审核" in page.text_content("#station-tags")

    # The reviewer rejects it; the worker corrects and resubmits the proposed values.
    r = httpx.post(
        f"{base}/api/v1/review/revisions/{pending[0]['id']}/reject",
        json={"comment": "号码少一位"},
        headers=reviewer,
    )
    assert r.status_code == 200, r.text
    page.reload()
    button = page.locator(f"#correct-revision-{pending[0]['id']}")
    button.wait_for()
    assert "号码少一位" in page.text_content(f"#rejected-revision-{pending[0]['id']}")
    button.click()
    assert page.input_value("#e-phone") == "0755-1111111"  # the rejected proposal
    assert "号码少一位" in page.text_content("#edit-note")
    page.fill("#e-phone", "0755-11111112")
    page.click("#edit-submit")
    page.locator("#status", has_text="已提交审核").wait_for()
    again = httpx.get(
        f"{base}/api/v1/staff/revisions?station_id={row['id']}", headers=reviewer
    ).json()
    assert [d["proposed"] for d in again[0]["diff"]] == ["0755-11111112"]
    page.wait_for_selector("#rejected", state="hidden")  # settled by the new proposal
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_412_opens_the_conflict_screen_and_keep_mine_saves_again(
    browser, live_server, reviewer, admin
) -> None:
    base = live_server
    row = _published(base, reviewer, name="福华路爱心驿站")
    w = _open(browser, base, "li.review", row["id"])
    page = w.page
    page.click("#open-edit")
    page.fill("#e-phone", "0755-2222222")

    # A second session changes the station between load and save.
    r = _patch(base, admin, row, {"phone": "0755-3333333", "address": "福田区福华路 1 号"})
    assert r.status_code == 200, r.text
    page.click("#edit-submit")
    page.wait_for_selector("#conflict:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "conflict"
    phone = page.locator("#conflict-table tr[data-field=phone]")
    assert phone.locator("td.loaded").text_content() == "0755-1234567"
    assert "0755-3333333" in phone.locator("td.theirs").text_content()
    assert "chen.admin" in phone.locator("td.theirs").text_content()
    assert phone.locator("td.mine").text_content() == "0755-2222222"
    assert "both" in (phone.get_attribute("class") or "")
    address = page.locator("#conflict-table tr[data-field=address]")
    assert "福田区福华路 1 号" in address.locator("td.theirs").text_content()
    assert "未改" in address.locator("td.mine").text_content()
    assert "chen.admin" in page.text_content("#conflict-who")
    assert _stored(base, reviewer, row["id"])["phone"] == "0755-3333333"  # nothing overwritten
    page.screenshot(path=str(ARTIFACTS / "console-station-conflict.png"), full_page=True)

    page.keyboard.press("Tab")  # keyboard: the first choice is "keep mine"
    assert page.evaluate("document.activeElement.id") == "conflict-keep"
    page.keyboard.press("Enter")
    page.locator("#status", has_text="已保存").wait_for()
    assert page.is_hidden("#conflict")
    stored = _stored(base, reviewer, row["id"])
    assert stored["phone"] == "0755-2222222"  # mine, saved on the new version
    assert stored["address"] == "福田区福华路 1 号"  # theirs kept
    url = f"/api/v1/stations/{row['id']}"
    assert w.errors == [_refused(base, "412 (Precondition Failed)", url)]
    assert w.outside == []


@pytest.mark.browser
def test_conflict_discard_mine_keeps_the_other_change(
    browser, live_server, reviewer, admin
) -> None:
    base = live_server
    row = _published(base, reviewer, name="福华路爱心驿站")
    w = _open(browser, base, "li.review", row["id"])
    page = w.page
    page.click("#status-temporarily_closed")
    page.fill("#status-reason", "装修")
    assert _patch(base, admin, row, {"phone": "0755-3333333"}).status_code == 200
    page.click("#status-submit")
    page.wait_for_selector("#conflict:not([hidden])")
    assert "暂停开放" in page.text_content("#conflict-table tr[data-field=status] td.mine")
    assert "0755-3333333" in page.text_content("#conflict-table tr[data-field=phone] td.theirs")
    page.click("#conflict-discard")
    page.locator("#status", has_text="已放弃").wait_for()
    stored = _stored(base, reviewer, row["id"])
    assert stored["status"] == "open" and stored["phone"] == "0755-3333333"
    assert "0755-3333333" in page.text_content("#fields tr[data-field=phone]")
    url = f"/api/v1/stations/{row['id']}/status"
    assert w.errors == [_refused(base, "412 (Precondition Failed)", url)]
    assert w.outside == []


@pytest.mark.browser
def test_field_worker_reports_a_temporary_closure_and_a_reopening_from_a_phone(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    row = _published(base, reviewer, name="莲花山爱心驿站")
    w = _open(
        browser, base, "wang.field", row["id"], viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = w.page
    assert _small_targets(page, "main") == []  # the map's zoom buttons too
    status_top = page.locator("#status-card").bounding_box()
    fields_top = page.locator("#fields").bounding_box()
    assert status_top and fields_top and status_top["y"] < fields_top["y"]  # first on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.tap("label[for=status-temporarily_closed]")
    page.tap("#status-submit")
    assert "原因" in page.text_content("#status-error")  # a reason is required
    assert _stored(base, staff, row["id"])["status"] == "open"
    page.fill("#status-reason", "水管维修，暂停一周")
    page.tap("#status-submit")
    page.locator("#status", has_text="已生效").wait_for()
    stored = _stored(base, staff, row["id"])
    assert stored["status"] == "temporarily_closed"  # live at once, flagged for review
    assert stored["status_reason"] == "水管维修，暂停一周"
    assert "暂停开放" in page.text_content("#status-tag")
    assert "水管维修" in page.text_content("#history > li:first-child")
    page.screenshot(path=str(ARTIFACTS / "console-station-phone.png"), full_page=True)

    page.tap("label[for=status-open]")
    page.tap("#status-submit")
    page.locator("#status", has_text="已提交审核").wait_for()
    assert _stored(base, staff, row["id"])["status"] == "temporarily_closed"  # until approved
    waiting = httpx.get(
        f"{base}/api/v1/staff/revisions?station_id={row['id']}", headers=reviewer
    ).json()
    proposed = [(d["field"], d["proposed"]) for v in waiting for d in v["diff"]]
    assert ("status", "open") in proposed and ("status", "temporarily_closed") in proposed
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_reviewer_closes_a_station_on_a_date_by_keyboard_alone(
    browser, live_server, reviewer
) -> None:
    base = live_server
    row = _published(base, reviewer, name="福田街道爱心驿站")
    w = _open(browser, base, "li.review", row["id"])
    page = w.page
    page.focus("#status-temporarily_closed")
    page.keyboard.press("ArrowDown")  # the radio group: to 关闭 closed
    assert page.is_checked("#status-closed")
    page.wait_for_selector("#closed-on-box:not([hidden])")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "closed-on"
    # The date field's parts, in this headless Chromium's order: month, day, year.
    page.keyboard.type("04012026")
    assert page.input_value("#closed-on") == "2026-04-01"
    for _ in range(3):  # past the field's own calendar button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") != "closed-on":
            break
    assert page.evaluate("document.activeElement.id") == "status-reason"
    page.keyboard.type("依托单位搬迁")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "status-submit"
    page.keyboard.press("Enter")
    page.locator("#status", has_text="已保存").wait_for()
    stored = _stored(base, reviewer, row["id"])
    assert stored["status"] == "closed" and stored["closed_on"] == "2026-04-01"
    assert stored["status_reason"] == "依托单位搬迁"
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_field_worker_registers_is_rejected_and_corrects_from_my_submissions(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    lon, lat = 114.0550, 22.5410
    expect = pytest.importorskip("playwright.sync_api").expect
    w = watched_page(
        browser,
        base,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": lon, "latitude": lat, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = w.page
    # 1. Registers a station on the field form.
    page.goto(f"{base}/staff")
    page.fill("#login-username", "wang.field")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#app-view:not([hidden])")
    page.click("#locate")
    expect(page.locator("#f-lon")).not_to_have_value("")
    page.select_option("#f-kind", "love_station")
    page.fill("#f-name", "福华三路爱心驿站")
    page.fill("#f-address", "福田区福华三路 8 号")
    page.check("#f-services input[value=drinking_water]")
    page.click("#submit")
    page.wait_for_selector("#form-ok:not(:empty)")
    mine = httpx.get(f"{base}/api/v1/staff/stations?mine=true", headers=staff).json()
    assert [s["name"] for s in mine] == ["福华三路爱心驿站"]
    sid = mine[0]["id"]

    # 2. A reviewer rejects it with a comment.
    r = httpx.post(
        f"{base}/api/v1/review/{sid}/reject",
        json={"comment": "门牌号应为 88 号"},
        headers=reviewer,
    )
    assert r.status_code == 200, r.text

    # 3. The worker sees the comment in My submissions and follows "更正".
    page.goto(f"{base}/console/mine")
    row = page.locator(f"#mine-station-{sid}")
    row.wait_for()
    assert "门牌号应为 88 号" in row.text_content()
    link = row.locator("a.correct")
    assert _small_targets(page, f"#mine-station-{sid}") == []
    with page.expect_navigation():
        link.tap()
    assert page.url == f"{base}/console/stations/{sid}"
    page.wait_for_selector("#rejected:not([hidden])")
    assert page.text_content("#rejected-comment") == "门牌号应为 88 号"

    # 4. Corrects it: it is pending review again.
    page.tap("#correct-draft")
    assert "门牌号应为 88 号" in page.text_content("#edit-note")
    page.fill("#e-address", "福田区福华三路 88 号")
    assert _small_targets(page, "#edit") == []
    page.tap("#edit-submit")
    page.locator("#status", has_text="重新送审").wait_for()
    stored = _stored(base, staff, sid)
    assert stored["address"] == "福田区福华三路 88 号"
    assert stored["review_state"] == "pending_review"
    assert "待审核" in page.text_content("#review-state")
    assert page.is_hidden("#rejected")
    # No error on any page of the walk (the field form no longer asks who is signed in
    # without a session cookie, so it logs no 401 either).
    assert w.errors == []
    assert w.outside == []


@pytest.mark.browser
def test_bad_input_and_a_possible_duplicate_are_said_and_nothing_is_stored(
    browser, live_server, reviewer
) -> None:
    base = live_server
    row = _published(base, reviewer, name="莲花山爱心驿站")
    _published(base, reviewer, name="福华路爱心驿站", lon=114.0560, lat=22.5410)  # ~100 m east
    before = _stored(base, reviewer, row["id"])
    w = _open(browser, base, "li.review", row["id"])
    page = w.page
    page.click("#open-edit")
    page.fill("#e-opening_hours", "whenever it suits")
    page.click("#edit-submit")
    page.wait_for_selector("#edit-error:not(:empty)")
    assert "开放时间" in page.text_content("#edit-error")
    assert " / " in page.text_content("#edit-error")  # Chinese, then English
    assert _stored(base, reviewer, row["id"]) == before

    page.fill("#e-opening_hours", "Mo-Su 08:00-20:00")
    page.fill("#e-name", "福华路爱心驿站")
    page.click("#edit-submit")
    page.wait_for_selector("#duplicate:not([hidden])")
    candidate = page.text_content("#duplicate-candidates li")
    assert "福华路爱心驿站" in candidate and "米 m" in candidate
    assert page.evaluate("document.activeElement.id") == "duplicate-reason"
    assert _stored(base, reviewer, row["id"]) == before
    page.click("#duplicate-confirm")
    assert "理由" in page.text_content("#edit-error")  # a reason is required
    page.fill("#duplicate-reason", "同名，另一处")
    page.click("#duplicate-confirm")
    page.locator("#status", has_text="已保存").wait_for()
    stored = _stored(base, reviewer, row["id"])
    assert stored["name"] == "福华路爱心驿站" and stored["opening_hours"] == "Mo-Su 08:00-20:00"
    assert "同名，另一处" in page.text_content("#history > li:first-child .why")
    url = f"/api/v1/stations/{row['id']}"
    assert w.errors == [
        _refused(base, "422 (Unprocessable Entity)", url),
        _refused(base, "409 (Conflict)", url),
    ]
    assert w.outside == []


@pytest.mark.browser
def test_planners_read_a_station_and_a_missing_one_is_said(
    browser, live_server, reviewer, planner
) -> None:
    base = live_server
    row = _published(base, reviewer, name="莲花山爱心驿站")
    w = _open(browser, base, "zhao.plan", row["id"])
    page = w.page
    assert page.text_content("#station-name") == "莲花山爱心驿站"
    assert page.is_hidden("#open-edit") and page.is_hidden("#status-card")
    assert page.locator("#nav a[href^='/console/stations/']").count() == 0
    page.goto(f"{base}/console/stations/99999")
    page.wait_for_selector("#page-error:not(:empty)")
    assert "99999" in page.text_content("#page-error")
    page.wait_for_load_state("networkidle")  # both requests answered, in either order
    assert sorted(w.errors) == sorted(
        [
            _refused(base, "404 (Not Found)", "/api/v1/staff/stations/99999"),
            _refused(base, "404 (Not Found)", "/api/v1/stations/99999/history"),
        ]
    )
    assert w.outside == []


@pytest.mark.browser
def test_field_staff_get_no_edit_controls_for_someone_elses_draft(
    browser, live_server, staff, make_user
) -> None:
    base = live_server
    r = httpx.post(f"{base}/api/v1/stations", json=station(name="翠竹街爱心驿站"), headers=staff)
    assert r.status_code == 201, r.text
    make_user("zhou.field", "field_staff")
    w = _open(browser, base, "zhou.field", r.json()["id"])
    page = w.page
    assert page.text_content("#station-name") == "翠竹街爱心驿站"
    assert "待审核" in page.text_content("#review-state")
    assert page.is_hidden("#open-edit") and page.is_hidden("#status-card")
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_station_is_moved_by_a_pasted_gcj02_coordinate_and_by_dragging_its_pin(
    browser, live_server, reviewer
) -> None:
    """Correcting a position: a coordinate copied from Amap (GCJ-02) is stored in WGS-84;
    dragging the pin while editing writes its WGS-84 position into the fields; an edit that
    does not touch the position does not send one."""
    from shapely import LineString

    from geo.crs import wgs84_to_gcj02
    from geo.measure import geodesic_lengths

    def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
        return float(geodesic_lengths([LineString([(lon1, lat1), (lon2, lat2)])])[0])

    base = live_server
    row = _published(base, reviewer, name="皇岗口岸爱心驿站", lon=114.0600, lat=22.5300)
    w = _open(browser, base, "li.review", row["id"])
    page = w.page

    page.click("#open-edit")
    assert page.input_value("#e-lon") == "114.060000"
    assert page.input_value("#e-crs") == "wgs84"
    page.fill("#e-phone", "0755-1111111")  # no position change: none is sent
    page.click("#edit-submit")
    page.locator("#status", has_text="已保存").wait_for()
    stored = _stored(base, reviewer, row["id"])
    assert (stored["lon"], stored["lat"]) == (114.06, 22.53)

    target = offset(114.0600, 22.5300, east_m=30)
    glon, glat = (float(v) for v in wgs84_to_gcj02(*target))
    page.click("#open-edit")
    page.fill("#e-lon", f"{glon:.6f}")
    page.fill("#e-lat", f"{glat:.6f}")
    page.select_option("#e-crs", "gcj02")
    page.fill("#e-reason", "按高德地图核对位置")
    page.click("#edit-submit")
    page.locator("#status", has_text="已保存").wait_for()
    stored = _stored(base, reviewer, row["id"])
    assert haversine_m(stored["lon"], stored["lat"], *target) < 1.0
    page.wait_for_selector("#history > li:first-child tr[data-field=lon]")

    page.click("#open-edit")
    before = float(page.input_value("#e-lon"))
    box = page.locator("#station-map .leaflet-marker-icon").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y, steps=5)
    page.mouse.move(x + 40, y, steps=5)
    page.mouse.up()
    assert float(page.input_value("#e-lon")) > before
    assert page.input_value("#e-crs") == "wgs84"
    dragged = float(page.input_value("#e-lon")), float(page.input_value("#e-lat"))
    page.click("#edit-submit")
    page.locator("#status", has_text="已保存").wait_for()
    stored = _stored(base, reviewer, row["id"])
    assert haversine_m(stored["lon"], stored["lat"], *dragged) < 0.5
    assert w.errors == [] and w.outside == []
