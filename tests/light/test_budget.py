"""The map page's first load on a phone stays within 150 KB (#14): HTML, CSS, JS and the
JSON it asks for on load, compressed, counted as Chromium fetches them (tiles excluded)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.browser import CHROMIUM, launch
from tests.helpers.live import running_server
from tests.helpers.nearest_city import add_station, load_network

BUDGET = 150_000


def first_load(browser, url: str) -> dict[str, tuple[int, str]]:
    """Every response of a first visit to ``url``: bytes on the wire and encoding."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="zh-CN", service_workers="block"
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    meta: dict[str, tuple[str, str]] = {}
    sizes: dict[str, int] = {}

    def on_response(event) -> None:
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        meta[event["requestId"]] = (event["response"]["url"], headers.get("content-encoding", ""))

    cdp.on("Network.responseReceived", on_response)
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    page.goto(url, wait_until="networkidle")
    context.close()
    return {meta[r][0]: (n, meta[r][1]) for r, n in sizes.items() if r in meta}


@pytest.mark.browser
def test_map_page_first_load_is_within_the_budget(db, database_url) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    load_network(db)
    for i in range(20):
        add_station(db, f"驿站 {i}", -400 + 40 * i, 10)
    with (
        running_server(database_url, YIZHAN_BASEMAP="none") as base,
        sync_api.sync_playwright() as p,
    ):
        browser = launch(p)
        try:
            loaded = first_load(browser, base + "/")
        finally:
            browser.close()
    mine = {u: v for u, v in loaded.items() if u.startswith(base) and "/tiles/" not in u}
    assert set(loaded) == set(mine)  # nothing from elsewhere
    total = sum(n for n, _ in mine.values())
    leaflet = next(
        v for u, v in mine.items() if "/static/leaflet/leaflet." in u and u.endswith(".js")
    )
    assert leaflet[1] in ("gzip", "br") and leaflet[0] < 50_000
    page = mine[base + "/"]
    assert page[1] in ("gzip", "br")
    assert total <= BUDGET, sorted(mine.items(), key=lambda kv: -kv[1][0])
