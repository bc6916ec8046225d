"""Checks of the coverage report's folium map: the URLs a page names, and the page opened
in headless Chromium with every request but the page itself refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers.browser import launch

URL = re.compile(r"https?://[^\s\"'<>)`]+")
#: URLs a report may name without ever fetching them: the SVG namespace (of the trend
#: chart and of Leaflet's SVG renderer) and the link in Leaflet's attribution prefix
#: (inside leaflet.js; the report's map has no attribution control, so it is never shown).
IDENTIFIERS = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}
#: Where a page served under a policy is put (the route answers it; nothing listens).
SERVED_AT = "http://127.0.0.1:9/console/coverage/report"

# What Leaflet drew: its panes, and the map's layers by type (folium names the map
# ``map_0000`` in a report: maps.report_map numbers its elements).
DRAWN = """() => {
  const m = window.map_0000;
  const out = { panes: [...document.querySelectorAll('#map .leaflet-pane')].map(p => p.className),
                polylines: 0, polygons: 0, circles: 0, markers: 0, tiles: 0 };
  if (!m) return out;
  m.eachLayer(l => {
    if (l instanceof L.Polygon) out.polygons++;
    else if (l instanceof L.Polyline) out.polylines++;
    else if (l instanceof L.CircleMarker) out.circles++;
    else if (l instanceof L.Marker) out.markers++;
    else if (l instanceof L.TileLayer) out.tiles++;
  });
  out.legend = (document.querySelector('#map .legend') || {}).textContent || '';
  out.layers = [...document.querySelectorAll('#map .leaflet-control-layers-overlays label')]
    .map(l => l.textContent.trim());
  out.zoom = m.getZoom();
  return out;
}"""


def named_urls(html: str) -> set[str]:
    """Every http(s) URL named anywhere in ``html`` that is not a known identifier."""
    return {u.rstrip(".,;") for u in URL.findall(html)} - IDENTIFIERS


@dataclass
class Opened:
    """What a report page did in Chromium."""

    drawn: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_report(
    html: str | Path,
    *,
    csp: str | None = None,
    screenshot: Path | None = None,
) -> Opened:
    """Open a report in headless Chromium with all network refused: from its file
    (``html`` a path), or (``csp`` given) served at :data:`SERVED_AT` with that policy
    as a header. Returns what Leaflet drew, console and page errors (a policy violation
    is a console error) and every request other than the page itself."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1600})
            opened = Opened({})
            url = SERVED_AT if csp is not None else Path(html).as_uri()

            def route(r: Any) -> None:
                if r.request.url == url and csp is None:
                    r.continue_()
                elif r.request.url == url:
                    r.fulfill(
                        status=200,
                        headers={
                            "Content-Type": "text/html; charset=utf-8",
                            "Content-Security-Policy": csp,
                        },
                        body=str(html),
                    )
                else:
                    opened.requests.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda m: opened.errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: opened.errors.append(str(e)))
            url = SERVED_AT if csp is not None else Path(html).as_uri()
            # Any other request, file:// included (an asset beside the file is missing
            # once the file is sent on), is recorded.
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url == url or r.url.startswith("data:")
                    else opened.requests.append(r.url)
                ),
            )
            page.goto(url)
            page.wait_for_function("window.reportMapReady === true", timeout=20_000)
            opened.drawn = page.evaluate(DRAWN)
            if screenshot is not None:
                screenshot.parent.mkdir(exist_ok=True)
                page.locator("#map").screenshot(path=str(screenshot))
        finally:
            browser.close()
    opened.requests = sorted(set(opened.requests))
    return opened
