"""#12 item 9: ``yizhan plan`` names the datum of its positions and writes them in the one
asked for (``--crs gcj02 --out sites.csv|xlsx``), with columns named for it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from geo.crs import from_wgs84
from tests.helpers.cities import MAIN_STREET, load_streets, lonlat
from tests.helpers.cli import yizhan

AS_OF = "2026-11-24"
COORD = re.compile(r"(?<![\d.])\d{1,3}\.\d{6}(?![\d.])")


@pytest.fixture
def city(db, tmp_path) -> Path:
    """The straight main street and a WGS-84 candidates file along it."""
    load_streets(db, MAIN_STREET)
    rows = ["name,lng,lat"]
    for x in range(0, 3001, 500):
        lon, lat = lonlat(x, 0.0)
        rows.append(f"候选{x},{lon!r},{lat!r}")
    path = tmp_path / "cand.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _plan(database_url: str, cand: Path, *args: str):
    r = yizhan(
        "plan",
        "--as-of",
        AS_OF,
        "--full",
        "--distance",
        "500",
        "--candidates",
        str(cand),
        *args,
        url=database_url,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_plan_writes_gcj02_sites_in_columns_named_for_it(db, database_url, city, tmp_path):
    wgs = tmp_path / "sites-wgs84.csv"
    gcj = tmp_path / "sites-gcj02.csv"
    first = _plan(database_url, city, "--out", str(wgs))
    second = _plan(
        database_url, city, "--candidates-crs", "wgs84", "--crs", "gcj02", "--out", str(gcj)
    )
    w, g = _read_csv(wgs), _read_csv(gcj)
    assert len(w) == len(g) == 3
    assert list(g[0])[:4] == ["rank", "lng_gcj02", "lat_gcj02", "crs"]
    assert list(w[0])[:4] == ["rank", "lng_wgs84", "lat_wgs84", "crs"]
    assert {r["crs"] for r in g} == {"gcj02"} and {r["crs"] for r in w} == {"wgs84"}
    x, y = from_wgs84(
        [float(r["lng_wgs84"]) for r in w], [float(r["lat_wgs84"]) for r in w], "gcj02"
    )
    assert [float(r["lng_gcj02"]) for r in g] == pytest.approx(list(x), abs=2e-7)
    assert [float(r["lat_gcj02"]) for r in g] == pytest.approx(list(y), abs=2e-7)
    assert abs(float(g[0]["lng_gcj02"]) - float(w[0]["lng_wgs84"])) > 1e-3  # hundreds of m
    # the terminal table names the datum in its header and shows the same numbers
    assert "WGS-84" in first.stdout and "GCJ-02" not in first.stdout
    assert "GCJ-02" in second.stdout and "wrote 3 sites in GCJ-02" in second.stdout
    shown = [float(c) for c in COORD.findall(second.stdout)]
    for r in g:
        assert min(abs(float(r["lng_gcj02"]) - c) for c in shown) < 1e-6, (r, shown)


def test_plan_writes_an_xlsx_with_typed_cells_and_a_frozen_header(db, database_url, city, tmp_path):
    out = tmp_path / "sites.xlsx"
    _plan(database_url, city, "--candidates-crs", "wgs84", "--crs", "bd09", "--out", str(out))
    sheet = load_workbook(out).active
    head = [c.value for c in sheet[1]]
    assert head[:4] == ["rank", "lng_bd09", "lat_bd09", "crs"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    row = [c for c in sheet[2]]
    assert isinstance(row[1].value, float) and isinstance(row[2].value, float)
    assert row[3].value == "bd09"
    share = row[head.index("main_street_share")]
    assert isinstance(share.value, float) and share.number_format == "0.0%"
    assert row[1].number_format == "0.000000"  # coordinates to 6 decimals (10 cm)


def test_crs_reads_the_candidates_file_in_it_unless_candidates_crs_says(
    db, database_url, city, tmp_path
) -> None:
    # the same WGS-84 file declared gcj02 lands elsewhere: its sites differ
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _plan(database_url, city, "--crs", "gcj02", "--candidates-crs", "wgs84", "--out", str(a))
    _plan(database_url, city, "--crs", "gcj02", "--out", str(b))
    assert _read_csv(a) != _read_csv(b)


def test_a_sites_file_of_another_type_is_refused_before_the_plan(db, database_url, city, tmp_path):
    r = yizhan(
        "plan",
        "--as-of",
        AS_OF,
        "--full",
        "--out",
        str(tmp_path / "sites.json"),
        url=database_url,
    )
    assert r.returncode == 2
    assert ".csv or .xlsx" in r.stdout + r.stderr and not (tmp_path / "sites.json").exists()
