"""The Inspect console page (/console/inspect, #15) on the server and in a real headless
Chromium at phone size (390x844) with the browser's position granted: a field worker
finds the nearest station, answers the checklist with one failed item and a photo,
submits, reads the summary, and the station page lists the inspection with its problem;
a far position is warned about before submitting; an unanswered item is named."""

from __future__ import annotations

import io
import random
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import sign_in, watched_page
from tests.helpers.staff import offset, station

PHONE = {"width": 390, "height": 844}
LON, LAT = 114.0550, 22.5410
TAP_TARGETS_JS = (Path(__file__).parent / "tap_targets.js").read_text(encoding="utf-8")


def _published(base: str, headers: dict[str, str], **over) -> dict:
    r = httpx.post(f"{base}/api/v1/stations", json=station(**over), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _photo() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (640, 480), (200, 90, 40)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _camera_photo() -> bytes:
    """A camera-sized JPEG (2400 x 1800, noisy, so it does not compress away)."""
    noise = Image.frombytes("RGB", (600, 450), random.Random(15).randbytes(600 * 450 * 3))
    out = io.BytesIO()
    noise.resize((2400, 1800)).save(out, format="JPEG", quality=95)
    return out.getvalue()


def _phone(browser, base: str, lon: float, lat: float):
    return watched_page(
        browser,
        base,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": lon, "latitude": lat, "accuracy": 12},
        permissions=["geolocation"],
    )


# ------------------------------------------------------------------ server


def test_inspect_page_is_for_field_staff_reviewers_and_admins(signed_in, client) -> None:
    r = client.get("/console/inspect", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert signed_in("zhao.plan", "planner").get("/console/inspect").status_code == 403
    for name, role in (("wang.field", "field_staff"), ("li.review", "reviewer"),
                       ("chen.admin", "admin")):  # fmt: skip
        r = signed_in(name, role).get("/console/inspect?station=7")
        assert r.status_code == 200
        assert "img-src 'self' data: blob:" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"
        assert 'href="/console/inspect" aria-current="page"' in r.text
        assert '"station_id": 7' in r.text
        assert 'capture="environment"' in r.text and 'accept="image/*"' in r.text


# ------------------------------------------------------------------ browser


@pytest.mark.browser
def test_field_worker_inspects_the_nearest_station_with_a_failed_item_and_a_photo(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    row = _published(base, reviewer, name="莲花山爱心驿站", services=["drinking_water", "toilet"])
    _published(base, reviewer, name="远处爱心驿站", lon=LON + 0.01, lat=LAT)
    here = offset(LON, LAT, east_m=20)
    w = _phone(browser, base, *here)
    page = w.page
    sign_in(page, base, "wang.field")
    page.goto(f"{base}/console/inspect")
    page.tap("#nearest")
    first = page.locator("#choices button").first
    first.wait_for()
    assert "莲花山爱心驿站" in first.text_content() and "20 米" in first.text_content()
    first.tap()
    page.wait_for_selector("#inspect-form:not([hidden])")
    assert page.text_content("#chosen-name") == "莲花山爱心驿站"
    assert f"station={row['id']}" in page.url
    legends = page.locator("#checklist legend").all_text_contents()
    assert any("卫生间" in t for t in legends) and any("饮用水" in t for t in legends)
    assert "距站点 20 米" in page.text_content("#position-text")
    assert page.is_hidden("#distance-warning")

    items = page.locator("#checklist fieldset")
    for n in range(items.count()):
        code = items.nth(n).get_attribute("data-item")
        choice = {"service:toilet": "failed", "supplies_in_date": "skip"}.get(code, "ok")
        page.tap(f"label[for=item-{n}-{choice}]")
    toilet = page.locator("fieldset[data-item='service:toilet']")
    toilet.locator("textarea").fill("卫生间锁着，无法使用")
    assert "is-failed" in (toilet.get_attribute("class") or "")
    page.set_input_files(
        "#photo-input", files=[{"name": "toilet.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.wait_for_selector("#photo-list img")
    page.select_option("#photo-item-0", "service:toilet")
    page.fill("#comment", "下午三点到访")
    assert page.evaluate(TAP_TARGETS_JS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "console-inspect-phone.png"), full_page=True)

    page.tap("#submit")
    page.wait_for_selector("#result:not([hidden])")
    assert "不合格" in page.text_content("#result-verdict")
    opened = page.locator("#result-opened li")
    assert opened.count() == 1
    assert "服务缺失" in opened.first.text_content()
    receipt = opened.first.get_attribute("data-receipt")
    assert receipt and receipt.startswith("I")
    assert page.is_hidden("#result-warning")
    page.screenshot(path=str(ARTIFACTS / "console-inspect-result-phone.png"), full_page=True)

    stored = httpx.get(
        f"{base}/api/v1/staff/stations/{row['id']}/inspections", headers=staff
    ).json()
    assert len(stored) == 1
    ins = stored[0]
    assert ins["inspector"] == "wang.field" and ins["passed"] is False
    assert ins["failed_items"] == ["service:toilet"]
    assert ins["distance_m"] == pytest.approx(20, abs=1)
    assert ins["photos"][0]["item"] == "service:toilet"
    assert [(p["receipt"], p["category"], p["service"], p["state"]) for p in ins["problems"]] == [
        (receipt, "service_missing", "toilet", "confirmed")
    ]
    answers = {a["item"]: a for a in ins["checklist"]}
    assert answers["service:toilet"]["note"] == "卫生间锁着，无法使用"
    assert answers["supplies_in_date"]["ok"] is None

    page.tap("#result-station")
    page.wait_for_selector("#inspections li[data-inspection]")
    listed = page.text_content("#inspections li[data-inspection]")
    assert "不合格" in listed and "卫生间锁着" in listed and receipt in listed
    assert page.get_attribute("#inspect-link", "href") == f"/console/inspect?station={row['id']}"
    page.locator("#inspections-card").screenshot(
        path=str(ARTIFACTS / "console-inspect-station-list.png")
    )
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_far_position_is_warned_before_submitting_and_an_unanswered_item_is_named(
    browser, live_server, staff, reviewer
) -> None:
    base = live_server
    row = _published(base, reviewer, name="福华路爱心驿站", services=[])
    w = _phone(browser, base, *offset(LON, LAT, north_m=250))
    page = w.page
    sign_in(page, base, "wang.field")
    page.goto(f"{base}/console/inspect?station={row['id']}")
    page.wait_for_selector("#inspect-form:not([hidden])")
    page.tap("#locate")
    page.wait_for_selector("#distance-warning:not([hidden])")
    assert "超过 100 米" in page.text_content("#distance-warning")
    page.tap("#submit")
    assert "未填写" in page.text_content("#form-error")
    assert page.evaluate("document.activeElement.id") == "item-0-ok"
    assert (
        httpx.get(f"{base}/api/v1/staff/stations/{row['id']}/inspections", headers=staff).json()
        == []
    )
    # by keyboard: each item's first toggle focused and picked with Space, Enter submits
    count = page.locator("#checklist fieldset").count()
    for n in range(count):
        page.focus(f"#item-{n}-ok")
        page.keyboard.press("Space")
    assert page.locator("#checklist input:checked").count() == count
    big = _camera_photo()
    page.set_input_files(
        "#photo-input", files=[{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": big}]
    )
    page.wait_for_selector("#photo-list img")
    page.focus("#submit")
    with page.expect_request("**/inspections") as sent:
        page.keyboard.press("Enter")
    # scaled down in the browser before sending: a fraction of the camera's bytes
    assert len(sent.value.post_data_buffer) < len(big) / 2
    page.wait_for_selector("#result:not([hidden])")
    assert "合格" in page.text_content("#result-verdict")
    assert "250" in page.text_content("#result-warning")
    stored = httpx.get(f"{base}/api/v1/staff/inspections", headers=staff).json()
    assert stored[0]["far"] is True and stored[0]["passed"] is True
    assert len(stored[0]["photos"]) == 1
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_axe_finds_no_serious_violation_in_the_filled_checklist_and_the_result(
    browser, live_server, staff, reviewer
) -> None:
    from tests.console.test_accessibility import BLOCKING, _axe, _axe_source

    source = _axe_source()  # skips without axe-core (make node)
    base = live_server
    row = _published(base, reviewer, name="福华路爱心驿站", services=["toilet"])
    w = watched_page(
        browser,
        base,
        bypass_csp=True,  # axe-core is injected as an inline script
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": LON, "latitude": LAT, "accuracy": 12},
        permissions=["geolocation"],
    )
    page = w.page
    sign_in(page, base, "wang.field")
    page.goto(f"{base}/console/inspect?station={row['id']}")
    page.wait_for_selector("#inspect-form:not([hidden])")
    count = page.locator("#checklist fieldset").count()
    for n in range(count):
        page.tap(f"label[for=item-{n}-{'failed' if n == 0 else 'ok'}]")
    page.set_input_files(
        "#photo-input", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.tap("#locate")
    page.locator("#position-text", has_text="距站点").wait_for()
    blocking = [v for v in _axe(page, source) if v["impact"] in BLOCKING]
    assert blocking == []
    page.tap("#submit")
    page.wait_for_selector("#result:not([hidden])")
    blocking = [v for v in _axe(page, source) if v["impact"] in BLOCKING]
    assert blocking == []
    assert w.errors == [] and w.outside == []


@pytest.mark.browser
def test_a_standard_without_the_hours_item_asks_it_apart(
    browser, database_url, staff, reviewer, tmp_path
) -> None:
    from tests.helpers.live import running_server

    path = tmp_path / "standard.json"
    path.write_text('{"name": "简版", "items": [{"code": "clean"}]}', encoding="utf-8")
    with running_server(database_url, YIZHAN_STANDARD_FILE=str(path)) as base:
        row = _published(base, reviewer, name="福华路爱心驿站")
        w = _phone(browser, base, LON, LAT)
        page = w.page
        sign_in(page, base, "wang.field")
        page.goto(f"{base}/console/inspect?station={row['id']}")
        page.wait_for_selector("#inspect-form:not([hidden])")
        assert page.text_content("#standard-name") == "简版"
        assert page.locator("#checklist fieldset[data-item]").count() == 1
        page.tap("label[for=item-0-ok]")
        page.tap("label[for=hours-failed]")
        page.tap("#submit")
        page.wait_for_selector("#result:not([hidden])")
        assert "开放时间未开门" in page.text_content("#result-opened")
        stored = httpx.get(f"{base}/api/v1/staff/inspections", headers=staff).json()
        assert stored[0]["open_at_hours"] is False and stored[0]["passed"] is False
        assert w.errors == [] and w.outside == []
