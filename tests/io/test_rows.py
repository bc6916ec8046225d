"""Streaming the rows of station files: numbering, encodings, cells, and the GeoJSON walk."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from geo.errors import ImportTooLarge, InvalidFile
from geo.io.limits import ReadLimits
from geo.io.rows import count_rows, open_rows, xlsx_cell
from geo.io.stations import read_stations
from tests.helpers.imports import workbook


def _rows(path: Path, **kw) -> list[tuple[int, list[str]]]:
    with open_rows(path, **kw) as rows:
        return [(r.row, r.cells) for r in rows]


def test_csv_rows_are_numbered_by_record_and_padded_to_the_header(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('标题\nname,address,lng\nA,"两行\n地址",1\n\nB\n', encoding="utf-8")
    with open_rows(path) as rows:
        assert rows.header == ["name", "address", "lng"] and rows.first_row == 3
        got = [(r.row, r.cells) for r in rows]
    assert got == [(3, ["A", "两行\n地址", "1"]), (4, ["", "", ""]), (5, ["B", "", ""])]
    assert count_rows(path) == 2


def test_a_bad_byte_after_a_bom_is_named_by_its_row_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"\xef\xbb\xbfname,lng\nA,1\nB\xff,2\n")
    with pytest.raises(InvalidFile) as info:
        _rows(path, encoding="utf-8")
    assert "row 3 (byte 17)" in info.value.en


def test_gbk_files_are_read_in_pieces(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    body = "".join(f"驿站{i},{114 + i / 1e5:.5f},22.5\n" for i in range(60_000))
    path.write_bytes(("名称,经度,纬度\n" + body).encode("gbk"))  # over 1 MB: several pieces
    assert count_rows(path) == 60_000
    assert _rows(path)[-1] == (60_001, ["驿站59999", "114.59999", "22.5"])


def test_xlsx_cells_read_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    when = dt.datetime(2025, 3, 1)
    path.write_bytes(
        workbook([["name", "phone", "lng", "opened_on"], ["A", 13800138000, 114.2, when]])
    )
    assert _rows(path) == [(2, ["A", "13800138000", "114.2", "2025-03-01"])]
    assert (xlsx_cell(5.0), xlsx_cell(True), xlsx_cell("  x "), xlsx_cell(None)) == (
        "5", "True", "x", "",
    )  # fmt: skip


def test_geojson_is_walked_feature_by_feature_like_a_whole_parse(tmp_path: Path) -> None:
    data = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
        "features": [
            {"type": "Feature", "properties": {"name": "A", "id": 1},
             "geometry": {"type": "Point", "coordinates": [114.1, 22.5]}},
            {"type": "Feature", "properties": {"name": "B", "extra": [1, 2]}, "geometry": None},
        ],
        "bbox": [114, 22, 115, 23],
    }  # fmt: skip
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with open_rows(path) as rows:
        assert rows.header[:3] == ["name", "id", "extra"] and rows.is_geojson
        got = [(r.row, r.cells, r.geometry_type) for r in rows]
    assert got == [
        (1, ["A", "1", "", "114.1", "22.5"], None),
        (2, ["B", "", "[1, 2]", "", ""], None),
    ]


def test_the_row_limit_counts_rows_below_the_header(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("title\n\nname,lng,lat\n" + "A,114,22\n" * 5, encoding="utf-8")
    assert read_stations(path, kind="love_station", crs="wgs84",
                         limits=ReadLimits(max_rows=5)).total_rows == 5  # fmt: skip
    with pytest.raises(ImportTooLarge) as info:
        read_stations(path, kind="love_station", crs="wgs84", limits=ReadLimits(max_rows=4))
    assert info.value.details == {"limit": 4, "setting": "YIZHAN_IMPORT_MAX_ROWS"}
