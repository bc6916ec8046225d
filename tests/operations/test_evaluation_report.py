"""The planners' report's operations section (运营情况 / Operations): in the HTML and the
XLSX of ``yizhan report coverage``, with the worked example's numbers as of the report's
date."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from geo import clock
from maps.coverage_report import OPERATIONS_TABLES
from tests.helpers.cities import MAIN_STREET, load_district, load_streets
from tests.helpers.cli import yizhan
from tests.operations.evaluation_data import load_year

NOW = {"YIZHAN_NOW": "2026-01-10T12:00:00+08:00"}


@pytest.fixture
def report_files(db, database_url, tmp_path):
    load_streets(db, MAIN_STREET)
    load_district(db, "示范区", (0, 0, 3000, 1000))
    with clock.frozen("2026-01-10 12:00"):
        load_year(db)
    html, xlsx = tmp_path / "report.html", tmp_path / "report.xlsx"
    r = yizhan(
        "report", "coverage", "--as-of", "2025-12-31", "--out", str(html), "--xlsx", str(xlsx),
        url=database_url, env=NOW,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return html.read_text("utf-8"), load_workbook(xlsx)


def _sheet(wb, name):
    return [list(r) for r in wb[name].iter_rows(min_row=2, values_only=True)]


def test_report_has_the_operations_section_with_the_right_numbers(report_files):
    html, wb = report_files
    assert '<h2 id="operations">运营情况 <small lang="en">Operations</small></h2>' in html
    for name in OPERATIONS_TABLES:
        assert f"<h3>{name}</h3>" in html
        assert name in wb.sheetnames
    summary = {r[1]: r[2] for r in _sheet(wb, "运营概况")}
    assert summary["stations operating"] == 2
    assert summary["verified on the spot in the last 90 days"] == 1  # B on 11-15
    assert summary["share verified"] == 0.5
    assert summary["open problems (new or confirmed)"] == 1
    assert summary["check-ins in the period"] == 920
    assert summary["check-ins per station"] == 460
    assert summary["median days to resolve"] is None
    assert {r[1]: r[2] for r in _sheet(wb, "未解决问题")}["closed"] == 1
    visits = {r[1]: r[3:6] for r in _sheet(wb, "站点使用人次")}
    assert visits == {"甲驿站": [0, 2000, 2000], "乙驿站": [920, 0, 920]}
    occupations = {r[1]: r[2:4] for r in _sheet(wb, "职业使用人次")}
    assert occupations["delivery rider"] == [920, 0]
    assert occupations["courier"] == [0, 1200]
    assert {r[0]: r[1] for r in _sheet(wb, "星级分布")} == {
        "★★★★★ 5": 1, "★★★★ 4": 0, "★★★ 3": 0, "★★ 2": 1, "★ 1": 0,
    }  # fmt: skip
    downgrades = _sheet(wb, "降级标记")
    assert [(r[1], r[3]) for r in downgrades] == [("乙驿站", 2), ("乙驿站", 2)]
    assert "not open at the published hours on 2 inspections" in html
