"""The planners' coverage report: an offline HTML file (checked in headless Chromium) and
an XLSX workbook with the same tables."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import load_workbook

from geo.crs import from_wgs84_point
from geo.db import targets as targets_db
from tests.helpers.browser import ARTIFACTS, launch
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.cli import yizhan

AS_OF = "2026-11-24"


@pytest.fixture
def report_files(db, database_url, tmp_path):
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
    with db.transaction():
        targets_db.upsert(
            db,
            [
                {
                    "kind": "love_station",
                    "metric": "main_street_coverage",
                    "value": 1.0,
                    "deadline": dt.date(2026, 12, 31),
                },
                {
                    "kind": "worker_bookshop",
                    "metric": "new_stations",
                    "value": 20,
                    "starts_on": dt.date(2026, 1, 1),
                    "deadline": dt.date(2026, 12, 31),
                },
            ],
        )
    html, xlsx = tmp_path / "report.html", tmp_path / "report.xlsx"
    r = yizhan(
        "report",
        "coverage",
        "--as-of",
        AS_OF,
        "--out",
        str(html),
        "--xlsx",
        str(xlsx),
        url=database_url,
    )
    assert r.returncode == 0, r.stderr
    return html, xlsx


def test_report_html_is_self_contained_chinese_and_has_every_part(report_files) -> None:
    html = report_files[0].read_text("utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)\s*=\s*[\"']?https?://", html)
    assert "L.map(" in html and ".leaflet-container" in html  # Leaflet inlined
    for part in (
        "爱心驿站覆盖情况报告",
        "主要街道覆盖率",
        "目标与预测",
        "覆盖率月度趋势",
        "分区",
        "街道缺口",
        "区域缺口",
        "建议新址",
        "覆盖全部可达需求需新建",
        "2026-12-31",
        "<svg",
        "示范区",
        "北街",
    ):
        assert part in html, part
    assert "有风险" in html or "难以按期完成" in html or "按期可完成" in html


def test_report_xlsx_has_the_same_tables(report_files) -> None:
    wb = load_workbook(report_files[1])
    assert wb.sheetnames == [
        "概要",
        "目标进度",
        "月度趋势",
        "分区",
        "街道缺口",
        "区域缺口",
        "建议新址",
        "数据健康",
        "不可步行道路",
        "街道",
        # Issue 15's operations section
        "运营概况",
        "未解决问题",
        "站点使用人次",
        "职业使用人次",
        "星级分布",
        "降级标记",
    ]
    head = [c.value for c in wb["建议新址"][1]]
    sites = list(wb["建议新址"].iter_rows(min_row=2, values_only=True))
    assert sites and sites[-1][head.index("累计主要街道覆盖率")] == pytest.approx(1.0)
    trend = [r[0] for r in wb["月度趋势"].iter_rows(min_row=2, values_only=True)]
    assert trend[0].date() == dt.date(2026, 6, 30)
    assert trend[-1].date() == dt.date.fromisoformat(AS_OF)
    streets = {r[0] for r in wb["街道"].iter_rows(min_row=2, values_only=True)}
    assert streets == {"主街", "北街"}
    targets = [r[1] for r in wb["目标进度"].iter_rows(min_row=2, values_only=True)]
    assert "新建（提升）站点数" in targets and "主要街道覆盖率" in targets


def test_report_positions_name_their_datum_and_sites_come_in_gcj02_too(report_files) -> None:
    """#12 item 9: every position in the report says which datum it is in."""
    wb = load_workbook(report_files[1])
    head = [c.value for c in wb["建议新址"][1]]
    assert head[1:5] == [
        "经度（WGS-84）",
        "纬度（WGS-84）",
        "经度（GCJ-02 高德）",
        "纬度（GCJ-02 高德）",
    ]
    for row in wb["建议新址"].iter_rows(min_row=2, values_only=True):
        x, y = from_wgs84_point(float(row[1]), float(row[2]), "gcj02")
        assert (float(row[3]), float(row[4])) == pytest.approx((x, y), abs=2e-6)
    for sheet in wb.worksheets:  # gaps are grouped by street: no sheet has a bare position
        for title in (str(c.value) for c in sheet[1]):
            assert not title.startswith(("经度", "纬度")) or "WGS-84" in title or "GCJ-02" in title
    html = report_files[0].read_text("utf-8")
    assert "经度（WGS-84）" in html and "经度（GCJ-02 高德）" in html


@pytest.mark.browser
def test_report_renders_offline_in_headless_chromium(report_files) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1800})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report_files[0].as_uri())
            page.wait_for_function("window.reportMapReady === true", timeout=10_000)
            paths = page.locator(".leaflet-overlay-pane path").count()
            markers = page.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
            page.screenshot(path=str(ARTIFACTS / "coverage_report.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert paths >= 6 and markers >= 3  # districts, gaps, streets, stations drawn
    assert [u for u in requests if u.startswith("http")] == []
