"""Hostile names (from imports, OSM and staff edits) in the coverage report: shown as
text, never run as script, whether in the tables or the map's tooltips."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.helpers.browser import ARTIFACTS, launch
from tests.helpers.cities import add_station, load_district, load_streets
from tests.helpers.cli import yizhan
from tests.helpers.paths import ROOT

AS_OF = "2026-11-24"
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    '"><script>alert(2)</script>',
    '<img src=x onerror="window.__pwned=3">',
    "<svg onload=window.__pwned=4>",
]
# Sinks that turn a string into markup or code; the report JS uses none of them.
HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")


def _map_script(names: list[str]) -> str:
    """The report map's script (made by folium in maps.report_map) for layers named by
    ``names``."""
    from maps import report_map

    line = {"type": "LineString", "coordinates": [[114.0, 22.5], [114.01, 22.5]]}
    square = {
        "type": "Polygon",
        "coordinates": [[[114.0, 22.5], [114.01, 22.5], [114.01, 22.51], [114.0, 22.5]]],
    }
    street = [
        {"type": "Feature", "geometry": line, "properties": {"street": n, "measure": 5.0}}
        for n in names
    ]
    layers = {
        "key_districts": [
            {
                "type": "Feature",
                "geometry": square,
                "properties": {"district": n, "area_share": 0.5},
            }
            for n in names
        ],
        "area_gap": [],
        "street_covered": street,
        "street_gap": street,
        "stations": [{"kind": "love_station", "name": n, "lon": 114.0, "lat": 22.5} for n in names],
        "sites": [
            {"rank": 1, "street": n, "district": n, "lon": 114.0, "lat": 22.5} for n in names
        ],
    }
    return report_map.render_map(report_map.build_map(layers)).script


def test_report_map_script_never_assigns_html() -> None:
    js = _map_script(HOSTILE)
    for sink in HTML_SINKS:
        assert sink not in js, sink
    # Leaflet turns a string tooltip into markup: only functions that build an element
    # whose textContent is the name go in (folium's own Tooltip and GeoJsonTooltip insert
    # HTML, so the map uses maps.report_map.TextTooltip).
    calls = js.split("bindTooltip(")[1:]
    assert calls
    for call in calls:
        assert call.startswith("function (layer)"), call[:60]
        assert "span.textContent = " in call.split("}, {")[0], call[:200]
    # Names are JSON in the script, with no character that could end the element.
    for name in HOSTILE:
        assert name not in js
    assert "</script" not in js.lower() and "<" not in js


def test_report_template_has_no_script_of_its_own() -> None:
    template = (ROOT / "maps" / "templates" / "coverage_report.html").read_text("utf-8")
    assert "bindTooltip" not in template and "L.map(" not in template


@pytest.fixture
def hostile_report(db, database_url, tmp_path):
    # Four main streets, each named by a hostile string and half covered (gaps with names).
    load_streets(
        db,
        [
            {"name": name, "coords": [(0, 600 * i), (3000, 600 * i)]}
            for i, name in enumerate(HOSTILE)
        ],
    )
    for i, name in enumerate(HOSTILE):
        load_district(db, name, (0, 600 * i - 200, 3000, 600 * i + 200))
        add_station(db, 200, 600 * i, name=name, opened_on=dt.date(2026, 6, 10))
    html = tmp_path / "report.html"
    r = yizhan("report", "coverage", "--as-of", AS_OF, "--out", str(html), url=database_url)
    assert r.returncode == 0, r.stderr
    return html


def test_report_inlines_its_script(hostile_report) -> None:
    html = hostile_report.read_text("utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 2 and "L.map(" in scripts[1]  # Leaflet, then the map
    assert "<" not in scripts[1]  # hostile names stay JSON-escaped inside it


# Leaflet opens a tooltip on mouseover of its layer; every interactive path and marker
# gets one at its centre (a real pointer would only reach the topmost of overlapping ones).
HOVER_ALL = """() => {
  const shown = [];
  for (const el of document.querySelectorAll('#map .leaflet-interactive')) {
    const r = el.getBoundingClientRect();
    const at = { bubbles: true, cancelable: true, view: window,
                 clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
    el.dispatchEvent(new MouseEvent('mouseover', at));
    el.dispatchEvent(new MouseEvent('mousemove', at));
    for (const t of document.querySelectorAll('.leaflet-tooltip')) shown.push(t.textContent);
    el.dispatchEvent(new MouseEvent('mouseout', at));
  }
  return shown;
}"""


@pytest.mark.browser
def test_report_shows_hostile_names_as_text_and_runs_none(hostile_report) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1800})

            def on_dialog(d: Any) -> None:
                dialogs.append(d.message)
                d.dismiss()

            page.on("dialog", on_dialog)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(hostile_report.as_uri())
            page.wait_for_function("window.reportMapReady === true", timeout=10_000)
            interactive = page.locator("#map .leaflet-interactive").count()
            shown: list[str] = page.evaluate(HOVER_ALL)
            # Also a real pointer over every station marker and site (what a planner does).
            for i in range(interactive):
                el = page.locator("#map .leaflet-interactive").nth(i)
                box = el.bounding_box()
                if box:
                    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(300)  # a broken image's onerror fires asynchronously
            pwned = page.evaluate("window.__pwned")
            body = page.inner_text("body")
            page.screenshot(path=str(ARTIFACTS / "coverage_report_hostile.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert pwned is None
    assert errors == []
    assert interactive >= 3 * len(HOSTILE)  # stations, districts and street gaps at least
    tooltips = "\n".join(shown)
    for name in HOSTILE:
        assert name in body, name  # tables
        assert f"爱心驿站：{name}" in tooltips, name  # station tooltip, as text
        assert f"{name} 面积覆盖率" in tooltips, name  # district tooltip
        assert f"{name} 未覆盖" in tooltips, name  # street-gap tooltip
