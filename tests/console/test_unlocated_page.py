"""The Unlocated and My submissions pages in a real headless Chromium against a real
uvicorn: a field worker places an address-only draft by pasting a GCJ-02 coordinate
(stored as its WGS-84 conversion), places another by dragging the pin, is told to place
again when someone changed the draft meanwhile (412), and sees a rejected submission with
the reviewer's comment in My submissions."""

from __future__ import annotations

import math

import httpx
import pytest

from geo.crs import gcj02_to_wgs84, to_wgs84, wgs84_to_gcj02
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.staff import station

CSV = (
    "name,address,district,lng,lat\n"
    "翠竹街爱心驿站,郑州市中原区翠竹街1号,中原区,,\n"
    "花园路爱心驿站,郑州市金水区花园路 2 号,金水区,,\n"
)


def _unlocated_drafts(base: str, staff: dict[str, str]) -> dict[str, dict]:
    """Import two address-only rows as the field worker (their drafts, no position)."""
    r = httpx.post(
        f"{base}/api/v1/imports",
        files={"file": ("list.csv", CSV.encode("utf-8"), "text/csv")},
        data={"kind": "love_station", "crs": "wgs84"},
        headers={**staff, "X-Requested-With": "yizhan"},
        timeout=60,
    )
    assert r.status_code in (200, 201), r.text
    listed = httpx.get(f"{base}/api/v1/staff/stations/unlocated", headers=staff).json()
    assert listed["total"] == 2, listed
    return {s["name"]: s for s in listed["items"]}


def _stored(base: str, headers: dict[str, str], station_id: int) -> dict:
    r = httpx.get(f"{base}/api/v1/staff/stations/{station_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _open_unlocated(browser, base: str):
    w = watched_page(browser, base, viewport={"width": 1280, "height": 1000})
    sign_in(w.page, base, "wang.field")
    w.page.goto(f"{base}/console/unlocated")
    w.page.wait_for_selector("#unlocated button.pick")
    return w


@pytest.mark.browser
def test_field_worker_places_a_draft_by_a_pasted_gcj02_coordinate_and_by_dragging_the_pin(
    browser, live_server, staff
) -> None:
    base = live_server
    drafts = _unlocated_drafts(base, staff)
    first, second = drafts["翠竹街爱心驿站"], drafts["花园路爱心驿站"]
    w = _open_unlocated(browser, base)
    page = w.page
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/unlocated"
    assert page.locator("#unlocated button.pick").count() == 2
    assert page.text_content("#unlocated-count") == "(2)"

    # 1. Paste a coordinate copied from Amap (GCJ-02): stored as its WGS-84 conversion.
    gx, gy = (float(v) for v in wgs84_to_gcj02(114.0450, 22.5350))
    page.click(f"#unlocated-{first['id']}")
    assert "中原区" in page.text_content("#place-fields")  # the file's district
    assert page.is_checked("#datum-gcj02")  # Amap's datum first
    page.fill("#coord", f"{gx:.6f},{gy:.6f}")
    page.click("#place-coord")
    page.locator("#status", has_text="已送审核").wait_for()
    assert "goes to review" in page.text_content("#status")
    stored = _stored(base, staff, first["id"])
    wx, wy = (float(v) for v in gcj02_to_wgs84(round(gx, 6), round(gy, 6)))
    assert stored["lon"] == pytest.approx(wx, abs=2e-7)
    assert stored["lat"] == pytest.approx(wy, abs=2e-7)
    assert abs(stored["lon"] - gx) > 1e-3  # converted, not taken as WGS-84
    assert stored["review_state"] == "pending_review"
    page.locator(f"#unlocated-{first['id']}").wait_for(state="detached")

    # 2. Drag the pin of the other one, then place it at the pin.
    page.click(f"#unlocated-{second['id']}")
    start = (page.get_attribute("#pin-at", "data-lon"), page.get_attribute("#pin-at", "data-lat"))
    box = page.locator("#place-map .leaflet-marker-icon").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 40, steps=8)
    page.mouse.move(x + 120, y + 80, steps=8)
    page.mouse.up()
    lon = float(page.get_attribute("#pin-at", "data-lon"))
    lat = float(page.get_attribute("#pin-at", "data-lat"))
    assert (f"{lon:.6f}", f"{lat:.6f}") != start
    assert lon > float(start[0]) and lat < float(start[1])  # east and south, as dragged
    page.screenshot(path=str(ARTIFACTS / "console-unlocated.png"), full_page=True)
    page.click("#place-pin")
    page.locator("#status", has_text="花园路").wait_for()
    stored = _stored(base, staff, second["id"])
    assert stored["lon"] == pytest.approx(lon, abs=1e-6)
    assert stored["lat"] == pytest.approx(lat, abs=1e-6)
    assert stored["review_state"] == "pending_review"
    page.wait_for_selector("#unlocated-empty:not([hidden])")
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_draft_changed_meanwhile_is_reloaded_and_placed_again(
    browser, live_server, staff
) -> None:
    base = live_server
    draft = _unlocated_drafts(base, staff)["翠竹街爱心驿站"]
    w = _open_unlocated(browser, base)
    page = w.page
    page.click(f"#unlocated-{draft['id']}")
    # Someone edits the draft after the page loaded it: the page's version is stale.
    r = httpx.patch(
        f"{base}/api/v1/stations/{draft['id']}",
        json={"phone": "0371-1234567"},
        headers={**staff, "If-Match": f'W/"{draft["version"]}"'},
    )
    assert r.status_code == 200, r.text
    page.fill("#coord", "not a coordinate")
    page.click("#place-coord")
    assert "113.6253,34.7466" in page.text_content("#place-error")  # what to paste
    page.fill("#coord", "114.0500,22.5400")
    page.check("#datum-wgs84")
    page.click("#place-coord")
    page.locator("#status", has_text="重新载入").wait_for()
    assert "place it again" in page.text_content("#status")
    assert _stored(base, staff, draft["id"])["lon"] is None  # nothing was stored
    page.wait_for_selector(f"#unlocated-{draft['id']}[aria-pressed=true]")
    page.fill("#coord", "114.0500,22.5400")
    page.check("#datum-wgs84")
    page.click("#place-coord")
    page.locator("#status", has_text="已送审核").wait_for()
    stored = _stored(base, staff, draft["id"])
    assert (stored["lon"], stored["lat"]) == pytest.approx((114.05, 22.54), abs=1e-9)
    assert stored["phone"] == "0371-1234567"  # the other person's change is kept
    # Chromium logs every refused request; the 412 is the only one, and no script failed.
    locate = f"{base}/api/v1/staff/stations/{draft['id']}/locate"
    assert w.errors == [
        "Failed to load resource: the server responded with a status of 412 "
        f"(Precondition Failed) @ {locate}"
    ]
    assert w.outside == []


@pytest.mark.browser
def test_field_worker_sees_a_rejected_submission_with_the_comment(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    r = httpx.post(f"{base}/api/v1/stations", json=station(name="福华路爱心驿站"), headers=staff)
    assert r.status_code == 201, r.text
    rejected = r.json()
    decided = httpx.post(
        f"{base}/api/v1/review/{rejected['id']}/reject",
        json={"comment": "地址门牌号有误，请核对"},
        headers=reviewer,
    )
    assert decided.status_code == 200, decided.text
    r = httpx.post(
        f"{base}/api/v1/stations",
        json=station(name="深南大道爱心驿站", lon=114.0650, lat=22.5400),
        headers=staff,
    )
    assert r.status_code == 201, r.text
    waiting = r.json()
    published = httpx.post(
        f"{base}/api/v1/stations",
        json=station(name="莲花山爱心驿站", lon=114.0450, lat=22.5550),
        headers=reviewer,
    ).json()
    r = httpx.patch(
        f"{base}/api/v1/stations/{published['id']}",
        json={"phone": "0755-7654321"},
        headers={**staff, "If-Match": f'W/"{published["version"]}"'},
    )
    assert r.status_code == 202, r.text
    revision = r.json()
    decided = httpx.post(
        f"{base}/api/v1/review/revisions/{revision['id']}/reject",
        json={"comment": "电话号码无人接听"},
        headers=reviewer,
    )
    assert decided.status_code == 200, decided.text

    w = watched_page(browser, base, viewport={"width": 1280, "height": 900})
    page = w.page
    sign_in(page, base, "wang.field")
    page.goto(f"{base}/console/mine")
    row = page.locator(f"#mine-station-{rejected['id']}")
    row.wait_for()
    assert "rejected" in (row.get_attribute("class") or "")
    assert "已驳回" in row.text_content()
    assert "地址门牌号有误，请核对" in row.text_content()
    # Corrected on the station's page (tests/console/test_station_page.py).
    assert row.locator("a.correct").get_attribute("href") == f"/console/stations/{rejected['id']}"
    other = page.text_content(f"#mine-station-{waiting['id']}")
    assert "待审核" in other and "waiting for a reviewer" in other
    change = page.text_content(f"#mine-revision-{revision['id']}")
    assert "电话：0755-1234567 → 0755-7654321" in change
    assert "电话号码无人接听" in change and "li.review" in change and "已驳回" in change
    assert page.get_attribute("#nav a[aria-current=page]", "href") == "/console/mine"
    page.screenshot(path=str(ARTIFACTS / "console-mine.png"), full_page=True)
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_possible_duplicate_is_placed_only_when_confirmed_with_a_reason(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    r = httpx.post(f"{base}/api/v1/stations", json=station(), headers=reviewer)
    assert r.status_code == 201, r.text
    draft = _unlocated_drafts(base, staff)["翠竹街爱心驿站"]
    w = _open_unlocated(browser, base)
    page = w.page
    page.click(f"#unlocated-{draft['id']}")
    page.fill("#coord", "114.0552,22.5410")  # about 20 m from the published station
    page.check("#datum-wgs84")
    page.click("#place-coord")
    page.wait_for_selector("#duplicate:not([hidden])")
    assert page.text_content("#duplicate-candidates li strong") == "福田街道爱心驿站"
    assert "米" in page.text_content("#duplicate-candidates .distance")
    assert "附近已有相似站点" in page.text_content("#duplicate-message")
    assert _stored(base, staff, draft["id"])["lon"] is None
    page.click("#duplicate-confirm")  # no reason yet: refused in the page
    assert "理由" in page.text_content("#place-error")
    page.fill("#duplicate-reason", "同一栋楼的另一家单位")
    page.click("#duplicate-confirm")
    page.locator("#status", has_text="已送审核").wait_for()
    stored = _stored(base, staff, draft["id"])
    assert (stored["lon"], stored["lat"]) == pytest.approx((114.0552, 22.5410), abs=1e-9)
    history = httpx.get(f"{base}/api/v1/stations/{draft['id']}/history", headers=staff).json()
    assert any("同一栋楼的另一家单位" in (h.get("reason") or "") for h in history)
    locate = f"{base}/api/v1/staff/stations/{draft['id']}/locate"
    assert w.errors == [
        f"Failed to load resource: the server responded with a status of 409 (Conflict) @ {locate}"
    ]
    assert w.outside == []


@pytest.mark.browser
def test_placing_works_by_keyboard_pin_and_a_pasted_bd09_coordinate(
    browser, live_server, staff
) -> None:
    base = live_server
    drafts = _unlocated_drafts(base, staff)
    first, second = drafts["翠竹街爱心驿站"], drafts["花园路爱心驿站"]
    w = _open_unlocated(browser, base)
    page = w.page

    # The pin: focused, Shift+arrow moves it 50 m; the button is pressed with Enter.
    page.click(f"#unlocated-{first['id']}")
    start = float(page.get_attribute("#pin-at", "data-lon"))
    page.focus("#place-map .leaflet-marker-icon")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    lon = float(page.get_attribute("#pin-at", "data-lon"))
    lat = float(page.get_attribute("#pin-at", "data-lat"))
    assert (lon - start) * 111320 * math.cos(math.radians(lat)) == pytest.approx(100, abs=1)
    page.focus("#place-pin")
    page.keyboard.press("Enter")
    page.locator("#status", has_text="翠竹街").wait_for()
    assert _stored(base, staff, first["id"])["lon"] == pytest.approx(lon, abs=1e-6)

    # A Baidu coordinate typed, BD-09 chosen with the arrow keys, placed with Enter.
    page.focus(f"#unlocated-{second['id']}")
    page.keyboard.press("Enter")
    page.focus("#coord")
    page.keyboard.type("114.0600，22.5300")  # a full-width comma, as Chinese input gives
    page.keyboard.press("Tab")  # to the chosen datum (GCJ-02)
    page.keyboard.press("ArrowRight")  # BD-09
    assert page.is_checked("#datum-bd09")
    page.keyboard.press("Tab")  # a radio group is one Tab stop
    assert page.evaluate("document.activeElement.id") == "place-coord"
    page.keyboard.press("Enter")
    page.locator("#status", has_text="花园路").wait_for()
    stored = _stored(base, staff, second["id"])
    wx, wy = (float(v) for v in to_wgs84(114.06, 22.53, "bd09"))
    assert (stored["lon"], stored["lat"]) == pytest.approx((wx, wy), abs=2e-7)
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_draft_placed_by_someone_else_meanwhile_is_said_to_be_gone(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    draft = _unlocated_drafts(base, staff)["翠竹街爱心驿站"]
    w = _open_unlocated(browser, base)
    page = w.page
    page.click(f"#unlocated-{draft['id']}")
    r = httpx.post(
        f"{base}/api/v1/staff/stations/{draft['id']}/locate",
        json={"lon": 114.05, "lat": 22.54, "crs": "wgs84"},
        headers={**reviewer, "If-Match": f'W/"{draft["version"]}"'},
    )
    assert r.status_code == 200, r.text
    page.fill("#coord", "114.0600,22.5300")
    page.check("#datum-wgs84")
    page.click("#place-coord")
    page.locator("#status", has_text="已不在未定位列表中").wait_for()
    assert "no longer unlocated" in page.text_content("#status")
    page.locator(f"#unlocated-{draft['id']}").wait_for(state="detached")
    stored = _stored(base, staff, draft["id"])
    assert (stored["lon"], stored["lat"]) == pytest.approx((114.05, 22.54), abs=1e-9)
    assert w.outside == []
