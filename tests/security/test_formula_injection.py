"""Names that a spreadsheet would run as a formula come out of every CSV and XLSX the
project writes as plain text (a leading apostrophe), numbers stay numbers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app
from geo.spreadsheet import cell_text
from tests.helpers.cities import MAIN_STREET, add_station, load_district, load_streets
from tests.helpers.cli import yizhan

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1+1",
        "-1+cmd",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "\ufeff=1+1",
        "\u200b=1+1",
        "a;=1+1",
        "a,=1+1",
        "a; @x",
        HYPERLINK,
    ],
)
def test_cell_text_defuses_formula_text(value) -> None:
    assert cell_text(value) == "'" + value


@pytest.mark.parametrize("value", ["莲花山驿站", "drinking_water,toilet", "A-B 路", "", "a=b"])
def test_cell_text_leaves_plain_text(value) -> None:
    assert cell_text(value) == value


@pytest.mark.parametrize("value", [3, -2, 1.5, -114.05, None, True])
def test_cell_text_leaves_numbers(value) -> None:
    assert cell_text(value) is value


def test_report_xlsx_writes_a_formula_district_as_text(db, database_url, tmp_path) -> None:
    load_streets(db, MAIN_STREET)
    load_district(db, HYPERLINK, (0, 0, 1000, 1000))
    add_station(db, 200, 30, name="=1+1", opened_on=dt.date(2026, 6, 10))
    out = tmp_path / "report.xlsx"
    r = yizhan(
        "report",
        "coverage",
        "--as-of",
        "2026-11-24",
        "--out",
        str(tmp_path / "report.html"),
        "--xlsx",
        str(out),
        url=database_url,
    )
    assert r.returncode == 0, r.stderr
    cells = [c for ws in load_workbook(out) for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    district = [c for c in load_workbook(out)["分区"]["A"] if "HYPERLINK" in str(c.value)]
    assert district
    for c in district:
        assert c.data_type != "f" and c.value == "'" + HYPERLINK


HOSTILE_STATIONS = ["\ufeff=1+1", "a;=1+1"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_defuses_hidden_and_separated_formulas(db, tmp_path, fmt) -> None:
    for i, name in enumerate(HOSTILE_STATIONS):
        db.execute(
            "INSERT INTO stations (kind, name, services, review_state, geom) VALUES "
            "('love_station', %s, '{}', 'approved', ST_SetSRID(ST_MakePoint(%s, 22.5), 4326))",
            (name, 114.0 + i / 100),
        )
    out = tmp_path / f"stations.{fmt}"
    result = CliRunner().invoke(app, ["export", "stations", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        frame = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    else:
        frame = pd.read_excel(out, keep_default_na=False)
        ws = load_workbook(out).active
        assert ws is not None
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert sorted(frame["name"]) == sorted("'" + n for n in HOSTILE_STATIONS)
    assert frame["lng"].dtype.kind == "f"  # numbers stay numbers
