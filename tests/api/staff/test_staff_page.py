"""The staff page in a real headless Chromium against a real uvicorn (Playwright)."""

from __future__ import annotations

import httpx
import pytest

from maps.assets import asset_url
from tests.helpers.browser import ARTIFACTS
from tests.helpers.paths import ROOT
from tests.helpers.staff import PASSWORD, offset, station

EVIL = '<img src=x onerror="window.__pwned=1">"><script>window.__pwned=2</script>'


def test_staff_js_never_assigns_html() -> None:
    js = (ROOT / "maps" / "static" / "staff.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js.replace("never assigns HTML", "")


def test_staff_page_serves_leaflet_locally_with_a_strict_csp(client) -> None:
    page = client.get("/staff")
    assert page.status_code == 200
    assert asset_url("/static/leaflet/leaflet.js") in page.text and "unpkg" not in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/yizhan/staff.js").status_code == 200


@pytest.mark.browser
def test_field_staff_register_a_station_on_a_phone(
    browser, live_server, make_user, reviewer, db
) -> None:
    make_user("wang.field", "field_staff")
    existing = httpx.post(
        f"{live_server}/api/v1/stations",
        json=station(name=EVIL, address="<b>bold?</b>"),
        headers=reviewer,
    )
    assert existing.status_code == 201, existing.text
    lon, lat = offset(114.0550, 22.5410, east_m=30)  # 30 m away: a possible duplicate
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"longitude": lon, "latitude": lat, "accuracy": 8},
        permissions=["geolocation"],
    )
    requests: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server)
            else (requests.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/staff")

    page.fill("#login-username", "wang.field")
    page.fill("#login-password", "wrong password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:has-text('用户名或密码错误')")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#app-view:not([hidden])")
    assert "wang.field" in page.text_content("#who-name")

    page.click("#locate")
    page.wait_for_selector("#nearby li strong")
    assert page.text_content("#nearby li strong") == EVIL  # shown as text, verbatim
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#nearby img, #nearby script, #nearby b").count() == 0
    assert float(page.input_value("#f-lon")) == pytest.approx(lon, abs=1e-6)

    page.select_option("#f-kind", "love_station")
    page.fill("#f-name", "新洲 爱心驿站")
    page.check("#f-services input[value=drinking_water]")
    page.check("#f-services input[value=rest_seats]")
    page.fill("#f-hours", "whenever it suits")
    page.fill("#f-phone", "0755-8888888")
    page.click("#submit")
    page.wait_for_selector("[data-error-for=opening_hours]:not(:empty)")
    assert "开放时间" in page.text_content("[data-error-for=opening_hours]")

    page.fill("#f-hours", "Mo-Su 08:00-20:00")
    page.click("#submit")
    page.wait_for_selector("#duplicate-box:not([hidden])")
    assert page.text_content("#duplicates li strong") == EVIL
    page.check("#f-confirm")
    page.fill("#f-reason", "马路对面的另一家")
    page.click("#submit")
    page.wait_for_selector("#form-ok:not(:empty)")
    assert "待审核" in page.text_content("#form-ok")
    page.wait_for_selector("#mine li:has-text('新洲 爱心驿站')")
    assert "待审核" in page.text_content("#mine li")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff_page.png"), full_page=True)
    assert errors == [] and requests == []
    context.close()

    queue = httpx.get(f"{live_server}/api/v1/review", headers=reviewer).json()
    assert [s["name"] for s in queue] == ["新洲 爱心驿站"]
    assert queue[0]["services"] == ["drinking_water", "rest_seats"]
    audit = db.execute(
        "SELECT actor, reason FROM station_audit WHERE station_id = %s", (queue[0]["id"],)
    ).fetchone()
    assert audit == {"actor": "wang.field", "reason": "confirmed not a duplicate: 马路对面的另一家"}
