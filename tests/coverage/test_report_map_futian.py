"""The coverage report's folium map on the real Futian streets and districts: a sane file
size (geometries simplified), no host named, drawn offline and under the served report's
policy. Skipped when the real city data is absent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.headers import report_csp
from maps import report_map
from maps.coverage_report import inline_script_hashes, render_html
from tests.helpers.browser import ARTIFACTS, CHROMIUM
from tests.helpers.report_map import named_urls, open_report

pytestmark = pytest.mark.realcity

AS_OF = dt.date(2026, 11, 24)
#: The whole report on Futian, map included, stays under this size.
MAX_BYTES = 3_000_000


@pytest.fixture(scope="module")
def futian_report(shared_data, database_url, db_module):
    import numpy as np

    from geo.report import report_data
    from tests.helpers.db import load_futian

    load_futian(shared_data, database_url)
    rng = np.random.default_rng(5)
    points = zip(rng.uniform(114.000, 114.037, 6), rng.uniform(22.520, 22.548, 6), strict=True)
    with db_module.transaction():
        for i, (x, y) in enumerate(points):
            db_module.execute(
                "INSERT INTO stations (kind, name, status, opened_on, services, review_state,"
                " geom) VALUES ('love_station', %s, 'open', %s, '{}', 'approved',"
                " ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                (f"福田测试{i}", dt.date(2026, 1, 1), float(x), float(y)),
            )
    report = report_data(db_module, AS_OF, "love_station", 1000.0, plan_solver="greedy")
    return report, render_html(report)


def _browser() -> None:
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")


def test_the_futian_report_is_small_and_names_no_host(futian_report) -> None:
    report, html = futian_report
    size = len(html.encode("utf-8"))
    raw = report_map.render_map(report_map.build_map(report["map"], tolerance=0.0)).script
    simplified = report_map.render_map(report_map.build_map(report["map"])).script
    print(f"Futian report {size} bytes; map script {len(simplified)} (unsimplified {len(raw)})")
    assert size < MAX_BYTES
    assert len(simplified) < len(raw)
    assert named_urls(html) == set()


@pytest.mark.browser
def test_the_futian_report_draws_its_map_offline(futian_report, tmp_path) -> None:
    _browser()
    report, html = futian_report
    path = tmp_path / "futian.html"
    path.write_text(html, encoding="utf-8")
    opened = open_report(path, screenshot=ARTIFACTS / "coverage_report_map.png")
    assert opened.errors == []
    assert opened.requests == []
    assert any("leaflet-overlay-pane" in p for p in opened.drawn["panes"])
    assert opened.drawn["polylines"] > 0
    assert opened.drawn["polygons"] >= 1  # 福田, the key district
    assert opened.drawn["circles"] == len(report["map"]["stations"])


@pytest.mark.browser
def test_the_futian_report_draws_its_map_under_the_served_policy(futian_report) -> None:
    _browser()
    _, html = futian_report
    opened = open_report(html, csp=report_csp(inline_script_hashes(html)))
    assert opened.errors == []
    assert opened.requests == []
    assert opened.drawn["polylines"] > 0
