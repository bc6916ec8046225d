"""Our own basemap in Chromium at a phone's width with every request to the outside refused:
the map page draws our vector tiles (no request leaves the server), an internet basemap
that fails gives way to ours by itself, and the console's map pages draw the same."""

from __future__ import annotations

import pytest

from tests.console.test_accessibility import TAP_TARGETS_JS, _axe, _axe_source
from tests.helpers.browser import ARTIFACTS
from tests.helpers.cities import add_station, load_district, load_streets
from tests.helpers.console import sign_in, watched_page
from tests.helpers.live import running_server

PHONE = {"width": 390, "height": 844}
STREETS = [
    {"coords": [(0, 0), (1500, 0)], "name": "深南大道", "highway": "trunk", "is_main": True},
    {"coords": [(0, 600), (1500, 600)], "name": "福华路", "highway": "secondary"},
    {
        "coords": [(700, -400), (700, 1000)],
        "name": "金田路",
        "highway": "residential",
        "is_main": False,
    },
]

#: The share of a tile canvas's pixels that differ from the basemap's background colour
#: (#f4f1ea) and are not transparent: streets, districts and stations drawn.
DRAWN = """() => {
  const canvases = [...document.querySelectorAll('#map canvas.leaflet-tile')];
  let drawn = 0, total = 0;
  for (const c of canvases) {
    if (!c.width || !c.height) continue;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < px.length; i += 16) {
      total += 1;
      const bg = Math.abs(px[i] - 0xf4) + Math.abs(px[i + 1] - 0xf1) + Math.abs(px[i + 2] - 0xea);
      if (px[i + 3] > 0 && bg > 24) drawn += 1;
    }
  }
  return total ? drawn / total : 0;
}"""


@pytest.fixture
def city(db):
    load_streets(db, STREETS)
    load_district(db, "福田", (-300, -500, 1800, 1200), key=True)
    add_station(db, 300, 20, name="驿站一")
    add_station(db, 1200, 620, name="驿站二", kind="worker_bookshop")
    return db


def _drawn(page, map_selector: str = "#map") -> float:
    """The drawn share of the map's tile canvases, once tiles are painted (polled from
    Python: the page's CSP forbids the string evaluation of wait_for_function)."""
    script = DRAWN.replace("#map", map_selector)
    share = 0.0
    for _ in range(75):  # up to 15 s
        share = float(page.evaluate(script))
        if share > 0.01:
            break
        page.wait_for_timeout(200)
    return share


@pytest.mark.browser
def test_map_page_draws_our_basemap_with_the_outside_refused(browser, live_server, city) -> None:
    w = watched_page(browser, live_server, viewport=PHONE)
    with w.page.expect_response(lambda r: "/tiles/" in r.url and r.status == 200):
        w.page.goto(f"{live_server}/")
    assert w.page.get_attribute("#map", "data-basemap") == "yizhan"
    assert _drawn(w.page) > 0.01
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w.page.screenshot(path=str(ARTIFACTS / "basemap-map-page.png"))
    # The layer switch offers OpenStreetMap, but nothing asked for it.
    assert w.page.locator(".leaflet-control-layers").count() == 1
    assert w.errors == []
    assert w.outside == []


@pytest.mark.browser
def test_map_page_with_our_basemap_and_its_switch_passes_axe_and_tap_targets(
    browser, live_server, city
) -> None:
    source = _axe_source()
    w = watched_page(browser, live_server, viewport=PHONE, has_touch=True, is_mobile=True)
    w.page.goto(f"{live_server}/")
    assert _drawn(w.page) > 0.01
    assert w.page.evaluate(TAP_TARGETS_JS) == []
    assert w.errors == [] and w.outside == []
    # The CSP (rightly) refuses an injected script: axe runs in a context that bypasses it.
    a = watched_page(browser, live_server, viewport=PHONE, bypass_csp=True)
    a.page.goto(f"{live_server}/")
    assert _drawn(a.page) > 0.01
    serious = [v for v in _axe(a.page, source) if v["impact"] in ("serious", "critical")]
    assert serious == []


@pytest.mark.browser
def test_an_internet_basemap_that_fails_gives_way_to_ours(browser, database_url, city) -> None:
    with running_server(database_url, YIZHAN_BASEMAP="osm") as base:
        w = watched_page(browser, base, viewport=PHONE)
        w.page.goto(f"{base}/")
        w.page.wait_for_selector("#map[data-basemap-fallback='true']", timeout=15_000)
        assert w.page.get_attribute("#map", "data-basemap") == "yizhan"
        assert _drawn(w.page) > 0.01
        w.page.screenshot(path=str(ARTIFACTS / "basemap-fallback.png"))
    osm = "https://tile.openstreetmap.org/"
    assert w.outside and all(u.startswith(osm) for u in w.outside), w.outside
    # The refused tiles are the only errors the browser reports.
    assert [e for e in w.errors if "ERR_FAILED" not in e] == []


@pytest.mark.browser
def test_console_station_map_draws_our_basemap(browser, live_server, city, reviewer) -> None:
    station_id = city.execute("SELECT id FROM stations ORDER BY id LIMIT 1").fetchone()["id"]
    w = watched_page(browser, live_server, viewport=PHONE)
    sign_in(w.page, live_server, "li.review")
    w.page.goto(f"{live_server}/console/stations/{station_id}")
    w.page.wait_for_selector("#history li")
    assert _drawn(w.page, ".leaflet-container") > 0.01
    w.page.screenshot(path=str(ARTIFACTS / "basemap-console-station.png"), full_page=True)
    assert w.errors == []
    assert w.outside == []


@pytest.mark.browser
def test_first_load_draws_our_basemap_and_the_stations_and_offline_a_reload_still_does(
    browser, database_url, city
) -> None:
    """#14 "done when": at a phone's size, with nothing reachable but Yizhan, the first load
    draws our basemap and the stations in view before anyone locates; once the service
    worker has seen the map, an offline reload draws both again from what it kept."""
    from tests.light.test_offline import until

    with running_server(database_url) as base:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True
        )
        outside: list[str] = []
        errors: list[str] = []
        context.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            page.goto(f"{base}/")
            assert page.get_attribute("#map", "data-basemap") == "yizhan"
            assert _drawn(page) > 0.01
            page.locator(".st-icon").nth(1).wait_for()  # both stations, before locating
            assert errors == [] and outside == []

            # The service worker takes the page; the next visit goes through it.
            until(page, "() => navigator.serviceWorker.controller !== null")
            page.reload()
            assert _drawn(page) > 0.01
            page.locator(".st-icon").nth(1).wait_for()
            until(
                page, "() => caches.open('yizhan-data').then(c => c.keys()).then(k => k.length > 1)"
            )

            context.set_offline(True)
            page.reload()
            assert page.get_attribute("#map", "data-basemap") == "yizhan"
            assert _drawn(page) > 0.01
            page.locator(".st-icon").nth(1).wait_for()
            titles = page.eval_on_selector_all(".st-icon", "els => els.map(e => e.title)")
            assert any(t.startswith("驿站一") for t in titles), titles
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "offline-basemap-stations.png"))
            assert [e for e in errors if "Failed to load resource" not in e] == []
        finally:
            context.close()
    assert outside == []
