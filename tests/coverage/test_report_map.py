"""The coverage report's map, made with folium (issue 16): every asset inlined so the
file opens offline, no host named, the streets, districts, gaps and stations drawn by
Leaflet with a legend and a layer control, under the console route's policy as well."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import shapely

from geo.report import report_data
from maps import report_map
from maps.coverage_report import render_html
from tests.helpers.browser import ARTIFACTS, CHROMIUM
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.cli import yizhan
from tests.helpers.console import session_cookie
from tests.helpers.report_map import named_urls, open_report

AS_OF = dt.date(2026, 11, 24)


@pytest.fixture
def report(db):
    """主街 and 北街 (main), 支路 (not main); key districts 示范区 and 东区; two love
    stations and a bookshop: covered and uncovered stretches, area gaps and sites."""
    load_streets(
        db,
        [
            *MAIN_STREET,
            {"name": "北街", "coords": [(0, 1500), (3000, 1500)]},
            {"name": "支路", "coords": [(1000, 0), (1000, 1500)], "is_main": False},
        ],
    )
    load_district(db, "示范区", (0, 0, 1000, 1000))
    load_district(db, "东区", (1000, 0, 3000, 1500))
    add_station(db, 200, 30, name="甲", opened_on=dt.date(2026, 6, 10))
    add_station(db, 2800, 0, name="乙", opened_on=dt.date(2026, 9, 5))
    add_station(db, 1500, 1480, name="书屋", kind="worker_bookshop", opened_on=dt.date(2026, 3, 1))
    return report_data(db, AS_OF, "love_station", plan_solver="greedy")


def _browser() -> None:
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")


def test_the_report_names_no_other_host_and_loads_no_asset(report) -> None:
    html = render_html(report)
    assert named_urls(html) == set()
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=(?![\"']?data:)", html)
    for cdn_asset in ("jquery", "bootstrap", "awesome-markers", "AwesomeMarkers", "cdn."):
        assert cdn_asset not in html, cdn_asset
    assert 'class="folium-map"' in html  # the map is folium's
    assert "L.tileLayer(" not in html  # no tiles from anywhere by default


def test_the_report_keeps_its_content_beside_the_map(report) -> None:
    html = render_html(report)
    for part in ("主要街道覆盖率", "目标与预测", "覆盖率月度趋势", "<svg", "街道缺口", "建议新址"):
        assert part in html, part
    assert html.index('id="map"') < html.index("<h2>目标进度</h2>")


def test_the_map_has_a_layer_per_part_and_a_chinese_first_legend(report) -> None:
    script = report_map.render_map(report_map.build_map(report["map"])).script
    for name in (
        "重点区域（面积覆盖率）Key districts",
        "重点区域未覆盖 Key-district gaps",
        "已覆盖主要街道 Covered main streets",
        "未覆盖主要街道（缺口）Uncovered main streets (gaps)",
        "爱心驿站 love station",
        "母婴室 mother-and-baby room",
        "职工书屋 worker bookshop",
        "建议新址 Recommended sites",
    ):
        assert json.dumps(name) in script, name
    assert "L.control.layers(" in script
    assert json.dumps("图例 Legend") in script and json.dumps("已覆盖主要街道") in script


def test_the_same_report_renders_the_same_map(report) -> None:
    first = report_map.render_map(report_map.build_map(report["map"]))
    second = report_map.render_map(report_map.build_map(report["map"]))
    assert first == second
    assert first.html == '<div class="folium-map" id="map_0000"></div>'


def test_geometries_are_simplified_onto_a_metre_grid() -> None:
    # 2001 points along a straight street with centimetre wobbles: two points remain.
    coords = [(114.0 + i * 1e-5, 22.5 + (i % 2) * 1e-7) for i in range(2001)]
    street = {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.LineString(coords)),
        "properties": {"street": "长街", "district": "示范区", "measure": 2000.0},
    }
    layers = {
        "key_districts": [],
        "area_gap": [],
        "street_covered": [],
        "street_gap": [street],
        "stations": [],
        "sites": [],
    }
    script = report_map.render_map(report_map.build_map(layers)).script
    shown = [json.loads(m) for m in re.findall(r"_add\((\{.*\})\);$", script, re.M)]
    lines = [f["geometry"] for fc in shown for f in fc["features"]]
    assert len(lines) == 1
    assert lines[0]["coordinates"] == [[114.0, 22.5], [114.02, 22.5]]


def test_a_tile_url_is_an_option() -> None:
    layers = {k: [] for k in ("key_districts", "area_gap", "street_covered", "street_gap")}
    m = report_map.build_map(
        {**layers, "stations": [], "sites": []},
        tiles="https://tiles.example.test/{z}/{x}/{y}.png",
        attribution="示例底图",
    )
    script = report_map.render_map(m).script
    assert "L.tileLayer(" in script and "tiles.example.test" in script


def test_the_command_takes_a_tile_url(db, database_url, tmp_path) -> None:
    load_streets(db, MAIN_STREET)
    add_station(db, 200, 30, name="甲", opened_on=dt.date(2026, 6, 10))
    html = tmp_path / "report.html"
    tiles = "https://tiles.example.test/{z}/{x}/{y}.png"
    r = yizhan(
        "report",
        "coverage",
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(html),
        "--tiles",
        tiles,
        "--attribution",
        "示例底图",
        url=database_url,
    )
    assert r.returncode == 0, r.stderr
    page = html.read_text("utf-8")
    assert "L.tileLayer(" in page and json.dumps(tiles) in page
    assert json.dumps("示例底图") in page  # the attribution, as folium writes JSON


@pytest.mark.browser
def test_the_report_opens_offline_and_draws_the_map(report, tmp_path) -> None:
    _browser()
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    opened = open_report(path, screenshot=ARTIFACTS / "coverage_report_map_synthetic.png")
    assert opened.errors == []
    assert opened.requests == []
    drawn = opened.drawn
    assert any("leaflet-map-pane" in p for p in drawn["panes"])
    assert any("leaflet-overlay-pane" in p for p in drawn["panes"])
    assert drawn["polylines"] > 0  # main streets, covered and uncovered
    assert drawn["polygons"] >= 2  # the two key districts (and area gaps)
    assert drawn["circles"] == 3  # the stations, each kind its layer
    assert drawn["markers"] == len(report["plan"]["sites"])
    assert drawn["tiles"] == 0
    assert drawn["legend"].startswith("图例 Legend") and "未覆盖主要街道" in drawn["legend"]
    assert "职工书屋 worker bookshop" in drawn["layers"]


@pytest.mark.browser
def test_the_served_report_draws_its_map_under_the_routes_policy(
    db, client, make_user, database_url, report
) -> None:
    _browser()
    make_user("zhao.plan", "planner")
    client.cookies.update(session_cookie(database_url, "zhao.plan"))
    r = client.get(f"/console/coverage/report?as_of={AS_OF}&kind=love_station")
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in csp and "'unsafe-inline'" not in csp.split(";")[1]
    opened = open_report(r.text, csp=csp)
    assert opened.errors == []  # a refused script or style would be reported here
    assert opened.requests == []
    assert opened.drawn["polylines"] > 0 and opened.drawn["circles"] == 3
