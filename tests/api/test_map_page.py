"""The map page at / : served with its assets by Yizhan itself, and in a real Chromium."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from maps.map_page import basemap_config
from tests.helpers.browser import ARTIFACTS, launch
from tests.helpers.live import running_server
from tests.helpers.nearest_city import Q, add_station, ll, load_network

EVIL = '<img src=x onerror="window.__pwned=1">驿站</script>'


@pytest.fixture
def client(db, database_url):
    with TestClient(create_app(database_url)) as c:
        yield c


def test_map_page_and_its_assets_come_from_yizhan(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "驿站" in page.text
    assert re.search(r'src="/static/leaflet/leaflet\.[0-9a-f]{10}\.js"', page.text)  # hashed
    assert "http" not in page.text.split('id="config"')[0]  # no CDN
    assert client.get("/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/leaflet/images/marker-icon.png").status_code == 200
    assert client.get("/static/yizhan/map.js").status_code == 200
    assert client.get("/static/yizhan/../map_page.py").status_code == 404
    assert client.get("/api/v1/summary").status_code == 200


def test_map_basemaps_amap_is_gcj02_and_tianditu_needs_a_key() -> None:
    assert basemap_config("amap")["crs"] == "gcj02"
    assert basemap_config("none")["layers"] == []
    assert "tk=KEY" in basemap_config("tianditu", "KEY")["layers"][0]["url"]
    from geo.errors import InvalidInput

    with pytest.raises(InvalidInput):
        basemap_config("tianditu")
    with pytest.raises(InvalidInput):
        basemap_config("google")


@pytest.mark.browser
def test_map_page_lists_nearest_stations_and_opens_a_sheet(db, database_url, client) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    load_network(db)
    add_station(db, "甲站 A", 0, 180)
    add_station(db, "乙站 B", 300, 10, services=["drinking_water", "toilet"])
    add_station(db, EVIL, -400, 0, kind="worker_bookshop", address="<b>地址</b>")
    lon, lat = ll(*Q)
    expected = client.get("/api/v1/stations/nearest", params={"lon": lon, "lat": lat}).json()
    names = [s["name"] for s in expected["stations"]]

    with (
        running_server(database_url, YIZHAN_BASEMAP="none") as base,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 640},
                geolocation={"longitude": lon, "latitude": lat},
                permissions=["geolocation"],
                locale="zh-CN",
            )
            page = context.new_page()
            errors, outside, dialogs = [], [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on(
                "request",
                lambda r: None if r.url.startswith(base) else outside.append(r.url),
            )
            page.goto(base + "/")
            page.get_by_role("button", name="定位我").click()
            page.wait_for_selector("#results li")
            items = page.locator("#results li .name").all_text_contents()
            assert [i.split(". ", 1)[1] for i in items] == names
            assert page.evaluate("window.__pwned") is None
            page.locator("#results li").first.click()
            sheet = page.locator("#sheet")
            sheet.wait_for(state="visible")
            assert page.locator("#sheet-name").text_content() == names[0]
            href = page.locator("#nav-amap").get_attribute("href")
            assert href == expected["stations"][0]["navigation"]["amap"]
            page.wait_for_timeout(300)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "map-sheet.png"))
            page.locator("#sheet-close").click()
            page.locator("#results li").nth(names.index(EVIL)).click()
            assert page.locator("#sheet-name").text_content() == EVIL
            assert page.evaluate("window.__pwned") is None
            page.locator("#sheet-close").click()
            page.get_by_role("button", name="English").click()
            page.wait_for_selector("text=Locate me")
            page.screenshot(path=str(ARTIFACTS / "map-list-en.png"))
        finally:
            browser.close()
    assert errors == []
    assert outside == []
    assert dialogs == []


def test_our_vector_tiles_are_the_default_basemap_and_internet_ones_optional() -> None:
    from geo.settings import ServingSettings
    from maps.map_page import tile_sources

    assert ServingSettings.model_fields["basemap"].default == "yizhan"
    ours = basemap_config("yizhan")
    assert ours["layers"] == []
    assert ours["vector"]["url"] == "/tiles/{z}/{x}/{y}.mvt"
    assert (ours["vector"]["min_zoom"], ours["vector"]["max_zoom"]) == (10, 18)
    assert [o["name"] for o in ours["optional"]] == ["osm"]
    assert [o["name"] for o in basemap_config("yizhan", "KEY")["optional"]] == ["osm", "tianditu"]
    # OSM first, falling back to ours; Amap's shifted tiles alone, as before.
    osm = basemap_config("osm")
    assert osm["vector"] is not None and osm["layers"][0]["url"].startswith("https://tile.")
    assert basemap_config("amap")["vector"] is None
    assert tile_sources(ours) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
