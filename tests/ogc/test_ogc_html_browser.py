"""The OGC API's HTML pages in a real Chromium at phone width (#16): no console error, no
request leaving the server, every link reachable by keyboard with a visible focus and at
least 44 px tall."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.test_ogc_coverage import load
from tests.helpers.browser import ARTIFACTS
from tests.helpers.console import watched_page
from tests.helpers.live import start_server, stop_server

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.fixture
def server(db, database_url) -> Iterator[str]:
    load(db)
    base, proc = start_server(database_url, YIZHAN_NOW="2025-06-01T12:00:00+08:00")
    try:
        yield base
    finally:
        stop_server(proc)


@pytest.mark.parametrize(
    ("path", "shot"),
    [
        ("/ogc", "ogc-landing.png"),
        ("/ogc/collections", "ogc-collections.png"),
        ("/ogc/collections/stations/items?limit=2", "ogc-items.png"),
        ("/ogc/collections/coverage_gaps/items/3", "ogc-item.png"),
    ],
)
def test_ogc_html_pages_on_a_phone(browser, server, path, shot) -> None:
    watched = watched_page(browser, server, **PHONE)
    page = watched.page
    page.set_extra_http_headers({"Accept": "text/html"})
    page.goto(f"{server}{path}")
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text()
    links = page.locator("main a")
    assert links.count() > 0
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["height"] >= 44, (i, box)
    page.keyboard.press("Tab")  # the header's link
    page.keyboard.press("Tab")  # the first link of the page
    focused = page.evaluate(
        "() => { const a = document.activeElement; const s = getComputedStyle(a);"
        " return [a.tagName, s.outlineStyle, s.outlineWidth]; }"
    )
    assert focused[0] == "A" and focused[1] != "none" and focused[2] != "0px", focused
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    assert watched.errors == []
    assert watched.outside == []
