"""The map page's stations, route and sheet in a real Chromium at a phone's size (#14):
stations in view before locating, with kind icons and a legend; locate → a numbered list
→ the sheet → the walking route drawn; Esc closes the sheet and focus comes back. The
server has no basemap and every request leaving it is refused."""

from __future__ import annotations

import pytest

from tests.helpers.browser import ARTIFACTS, launch
from tests.helpers.console import watched_page
from tests.helpers.live import running_server
from tests.helpers.nearest_city import Q, add_station, ll, load_network

PHONE = {"width": 390, "height": 844}
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def city(db):
    load_network(db)
    return {
        "A": add_station(db, "甲站 A", 0, 180),
        "B": add_station(
            db, "乙站 B", 300, 10, opening_hours="Mo-Su 00:00-24:00", kind="mother_baby_room"
        ),
        "C": add_station(db, "丙站 C", -400, 0, kind="worker_bookshop"),
    }


@pytest.mark.browser
def test_map_shows_stations_before_locating_then_list_sheet_and_route(database_url, city) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    lon, lat = ll(*Q)
    with (
        running_server(database_url, YIZHAN_BASEMAP="none") as base,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p)
        try:
            watched = watched_page(
                browser,
                base,
                viewport=PHONE,
                geolocation={"longitude": lon, "latitude": lat},
                permissions=["geolocation"],
            )
            page = watched.page
            page.goto(base + "/")
            # Before locating: every station in view, in its kind's shape, and a legend.
            page.locator(".st-icon").nth(2).wait_for()
            shapes = page.eval_on_selector_all(
                ".st-icon > span",
                "els => els.map(e => e.className + ':' + e.querySelector('svg *').tagName)",
            )
            assert sorted(shapes) == [
                "kind-love_station:path",
                "kind-mother_baby_room:circle",
                "kind-worker_bookshop:rect",
            ]
            legend = page.locator("#legend li").all_text_contents()
            assert legend == ["爱心驿站", "母婴室", "职工书屋"]
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "map-stations-first-load.png"))
            assert page.locator("#results li").count() == 0
            # Zoomed out, nearby stations are drawn as one cluster with their count.
            for _ in range(4):
                page.locator(".leaflet-control-zoom-out").click()
                page.wait_for_timeout(300)  # Leaflet's zoom animation
            cluster = page.locator(".st-cluster").first
            cluster.wait_for()
            assert cluster.text_content() == "3"
            assert cluster.get_attribute("aria-label") == "3 个站点，放大查看"
            cluster.focus()
            page.keyboard.press("Enter")  # a cluster is a button: it zooms in
            page.locator(".st-icon").nth(2).wait_for()

            # Locate: a numbered list, numbered markers to match.
            page.get_by_role("button", name="定位我").click()
            page.wait_for_selector("#results li")
            names = page.locator("#results li .name").all_text_contents()
            assert names[0] == "1. 乙站 B"
            numbers = page.locator(".st-icon.numbered .num").all_text_contents()
            assert sorted(numbers) == [str(i + 1) for i in range(len(names))]
            first_marker = page.locator(".st-icon.numbered", has_text="1").first
            assert first_marker.get_attribute("title") == "1. 乙站 B · 母婴室"

            # The sheet: focus moves in, hours in words, the route drawn.
            first = page.locator("#results li").first
            first.focus()
            page.keyboard.press("Enter")
            page.locator("#sheet").wait_for(state="visible")
            assert page.evaluate("document.activeElement.id") == "sheet-name"
            assert page.locator("#sheet-today").text_content() == "今天全天开放"
            assert page.locator("#sheet-hours").text_content() == "开放时间：每天 24 小时开放"
            page.wait_for_selector("path.route-line")
            assert page.locator("#sheet-route").text_content() == "地图上的蓝线是步行路线"
            assert page.locator("#nav-geo").is_visible()
            assert not page.locator("#nav-apple").is_visible()
            page.screenshot(path=str(ARTIFACTS / "map-route-sheet.png"))

            # Tab stays in the sheet; Esc closes it and focus returns to the list item.
            for _ in range(6):
                page.keyboard.press("Tab")
                inside = "document.getElementById('sheet').contains(document.activeElement)"
                assert page.evaluate(inside)
            page.keyboard.press("Escape")
            page.locator("#sheet").wait_for(state="hidden")
            assert page.evaluate("document.activeElement.dataset.id") == str(city["B"])
            assert page.locator("path.route-line").count() == 1  # the way stays on the map

            # A pin's station after locating: the route gives its distance too.
            # (Under its numbered twin: reached by keyboard, as a pin is a button.)
            page.locator(".st-icon[title^='丙站 C']").focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("#sheet-route:has-text('步行路线')")
            distance = page.locator("#sheet-distance").text_content()
            assert distance.startswith("420 米")  # 20 m to the street, 400 m along it
            listed = page.locator("#results li", has_text="丙站 C").text_content()
            assert distance in listed
            page.keyboard.press("Escape")
            assert page.evaluate("document.activeElement.title") == "丙站 C · 职工书屋"

            # The language switch relabels the legend and the map.
            page.get_by_role("button", name="English").click()
            page.wait_for_selector("text=Locate me")
            assert page.locator("#legend li").all_text_contents() == [
                "love station",
                "mother-and-baby room",
                "worker bookshop",
            ]
            assert page.get_attribute("#map", "aria-label") == "Map"
            page.keyboard.press("Tab")  # the page is still usable by keyboard
        finally:
            browser.close()
    assert watched.errors == []
    assert watched.outside == []


@pytest.mark.browser
def test_an_iphone_gets_apple_maps_instead_of_geo(database_url, city) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with (
        running_server(database_url, YIZHAN_BASEMAP="none") as base,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p)
        try:
            watched = watched_page(browser, base, viewport=PHONE, user_agent=IPHONE_UA)
            page = watched.page
            page.goto(base + "/")
            page.locator(".st-icon").nth(2).wait_for()
            page.locator(".st-icon[title^='乙站 B']").click()
            page.locator("#sheet").wait_for(state="visible")
            apple = page.locator("#nav-apple")
            assert apple.is_visible() and not page.locator("#nav-geo").is_visible()
            assert (apple.get_attribute("href") or "").startswith("https://maps.apple.com/?daddr=")
            # Opened from a pin before locating: no distance, no route.
            assert page.locator("#sheet-distance").text_content() == ""
            assert page.locator("path.route-line").count() == 0
            page.keyboard.press("Escape")
            page.locator("#sheet").wait_for(state="hidden")
            # The kind filter applies to the stations on the map too.
            page.select_option("#kind", "worker_bookshop")
            sync_api.expect(page.locator(".st-icon")).to_have_count(1)
            assert page.locator(".st-icon").get_attribute("title") == "丙站 C · 职工书屋"
        finally:
            browser.close()
    assert watched.errors == []
    assert watched.outside == []
