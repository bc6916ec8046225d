"""#12 item 11: report and export workbooks hold numbers and dates as typed cells.

Shares are numbers shown with a % format, kilometres and metres are numbers, coordinates
are numbers with 6 decimals, dates are dates; every sheet has a frozen header row, an
autofilter over its table and column widths that fit the text (CJK counting double).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from api.cli import app
from geo.io.rows import xlsx_cell
from geo.spreadsheet import display_width
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.cli import yizhan

AS_OF = "2026-11-24"
LONG_NAME = "深圳市福田区总工会户外劳动者服务站"  # 17 CJK characters: 34 columns wide


def _header(ws) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1]}


def _check_table_frame(ws) -> None:
    """Frozen header, autofilter over the whole table, widths fitting the header."""
    assert ws.freeze_panes == "A2", ws.title
    assert ws.auto_filter.ref == f"A1:{get_column_letter(ws.max_column)}{ws.max_row}", ws.title
    for cell in ws[1]:
        width = ws.column_dimensions[cell.column_letter].width
        assert width >= min(display_width(str(cell.value)), 58), (ws.title, cell.value)


@pytest.fixture
def report_xlsx(db, database_url, tmp_path) -> Path:
    load_streets(db, [*MAIN_STREET, {"name": LONG_NAME, "coords": [(0, 1500), (3000, 1500)]}])
    load_district(db, "示范区", (0, 0, 1000, 1000))
    add_station(db, 200, 30, name="甲", opened_on=dt.date(2026, 6, 10))
    add_station(db, 2800, 0, name="乙", opened_on=dt.date(2026, 9, 5))
    out = tmp_path / "report.xlsx"
    r = yizhan(
        "report",
        "coverage",
        "--as-of",
        AS_OF,
        "--out",
        str(tmp_path / "report.html"),
        "--xlsx",
        str(out),
        url=database_url,
    )
    assert r.returncode == 0, r.stderr
    return out


def test_report_shares_are_numbers_with_a_percent_format(report_xlsx) -> None:
    wb = load_workbook(report_xlsx)
    summary = {r[0].value: r[1] for r in wb["概要"].iter_rows(min_row=2)}
    share = summary["主要街道覆盖率"]
    assert share.data_type == "n" and share.number_format == "0.0%"
    assert 0 < share.value < 1  # a share, not "63.3%"
    trend = wb["月度趋势"]
    col = _header(trend)["主要街道覆盖率"]
    for (cell,) in trend.iter_rows(min_row=2, min_col=col, max_col=col):
        if cell.value is not None:
            assert cell.data_type == "n" and cell.number_format == "0.0%"


def test_report_lengths_and_areas_are_numbers(report_xlsx) -> None:
    wb = load_workbook(report_xlsx)
    streets = wb["街道"]
    head = _header(streets)
    rows = {r[0].value: r for r in streets.iter_rows(min_row=2)}
    length = rows["主街"][head["长度（公里）"] - 1]
    assert length.data_type == "n" and length.value == pytest.approx(3.0)
    assert length.number_format == "#,##0.00"
    summary = {r[0].value: r[1] for r in wb["概要"].iter_rows(min_row=2)}
    stations = summary["运营中站点"]
    assert stations.data_type == "n" and stations.value == 2
    for (cell,) in wb["区域缺口"].iter_rows(min_row=2, min_col=2, max_col=2):
        assert cell.data_type == "n" and cell.number_format == "#,##0.000"


def test_report_coordinates_are_numbers_with_six_decimals(report_xlsx) -> None:
    sites = load_workbook(report_xlsx)["建议新址"]
    head = _header(sites)
    rows = list(sites.iter_rows(min_row=2))
    assert rows
    for r in rows:
        for datum in ("WGS-84", "GCJ-02 高德"):
            lon, lat = r[head[f"经度（{datum}）"] - 1], r[head[f"纬度（{datum}）"] - 1]
            assert lon.data_type == "n" and lon.number_format == "0.000000"
            assert lat.data_type == "n" and lat.number_format == "0.000000"
            assert 113 < lon.value < 115 and 22 < lat.value < 23


def test_report_dates_are_dates(report_xlsx) -> None:
    wb = load_workbook(report_xlsx)
    trend = wb["月度趋势"]
    days = [c for (c,) in trend.iter_rows(min_row=2, max_col=1)]
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in days)
    assert days[-1].value.date() == dt.date.fromisoformat(AS_OF)
    summary = {r[0].value: r[1] for r in wb["概要"].iter_rows(min_row=2)}
    assert summary["截至日期"].is_date
    targets = wb["目标进度"]
    col = _header(targets)["截止日期"]
    assert all(c.is_date for (c,) in targets.iter_rows(min_row=2, min_col=col, max_col=col))


def test_every_report_sheet_has_a_frozen_header_an_autofilter_and_fitted_widths(
    report_xlsx,
) -> None:
    wb = load_workbook(report_xlsx)
    for ws in wb:
        _check_table_frame(ws)
    streets = wb["街道"]
    # the long CJK name counts double: 17 characters need 34 columns
    assert streets.column_dimensions["A"].width >= display_width(LONG_NAME) == 34


@pytest.fixture
def export_xlsx(db, tmp_path) -> Path:
    add_station(db, 200, 30, name=LONG_NAME, opened_on=dt.date(2026, 6, 10))
    add_station(db, 2800, 0, name="乙", opened_on=None)
    out = tmp_path / "stations.xlsx"
    result = CliRunner().invoke(app, ["export", "stations", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_export_coordinates_ids_and_dates_are_typed(export_xlsx) -> None:
    ws = load_workbook(export_xlsx).active
    assert ws is not None
    head = _header(ws)
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 2
    for r in rows:
        for col in ("lng", "lat"):
            cell = r[head[col] - 1]
            assert cell.data_type == "n" and cell.number_format == "0.000000"
        assert r[head["id"] - 1].data_type == "n"
    opened = {r[head["name"] - 1].value: r[head["opened_on"] - 1] for r in rows}
    assert opened[LONG_NAME].is_date and opened[LONG_NAME].number_format == "yyyy-mm-dd"
    assert opened[LONG_NAME].value.date() == dt.date(2026, 6, 10)
    assert opened["乙"].value is None
    # what the importer reads back from a date cell is the date itself
    assert xlsx_cell(opened[LONG_NAME].value) == "2026-06-10"


def test_export_sheet_has_a_frozen_header_an_autofilter_and_cjk_widths(export_xlsx) -> None:
    ws = load_workbook(export_xlsx).active
    assert ws is not None
    _check_table_frame(ws)
    name_col = get_column_letter(_header(ws)["name"])
    assert ws.column_dimensions[name_col].width >= display_width(LONG_NAME)
