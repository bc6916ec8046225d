"""#12 item 15: a streets file given to the station import stops with one line.

Importing the Futian streets GeoJSON as stations used to exit 0 with 3,889 problem rows
("no coordinates"). Now the header and the first features show what the file is, and the
import stops before reading the rest, naming the command that imports it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.errors import InvalidFile
from geo.io.stations import read_stations
from tests.helpers.cli import yizhan
from tests.helpers.staff import dump_stations

LINE = {"type": "LineString", "coordinates": [[114.0, 22.53], [114.001, 22.531]]}
SQUARE = [[[114.0, 22.5], [114.1, 22.5], [114.1, 22.6], [114.0, 22.5]]]


def _geojson(path: Path, geometries: list[dict], name: str = "深南大道") -> Path:
    features = [
        {"type": "Feature", "properties": {"name": name, "highway": "primary"}, "geometry": g}
        for g in geometries
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def _refused(path: Path) -> InvalidFile:
    with pytest.raises(InvalidFile) as caught:
        read_stations(path, kind="love_station", crs="wgs84")
    return caught.value


def test_the_real_streets_geojson_is_named_a_streets_file(shared_data: Path) -> None:
    error = _refused(shared_data / "shenzhen-futian" / "streets.geojson")
    assert "\n" not in error.zh and "\n" not in error.en
    assert "街道" in error.zh and "yizhan import streets" in error.zh
    assert "streets file" in error.en and "yizhan import streets" in error.en
    assert error.details == {"looks_like": "streets", "command": "yizhan import streets"}


def test_the_decision_is_made_on_the_first_features(tmp_path: Path) -> None:
    # Feature 21 is broken JSON: reading the whole file would report that instead.
    path = _geojson(tmp_path / "lines.geojson", [LINE] * 25)
    text = path.read_text("utf-8")
    cut = text.rindex('{"type": "Feature"')
    path.write_text(text[:cut] + '{"type": "Feature", "properties": ' + "]]]}", "utf-8")
    assert "streets" in _refused(path).en


def test_polygons_point_to_the_districts_import(tmp_path: Path) -> None:
    polygon = {"type": "Polygon", "coordinates": SQUARE}
    error = _refused(_geojson(tmp_path / "areas.geojson", [polygon] * 3, name="福田"))
    assert "yizhan import districts" in error.en and "区域" in error.zh


def test_a_street_table_without_coordinates_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "streets.csv"
    path.write_text("osmid,highway,name\n1,primary,深南大道\n2,residential,福华路\n", "utf-8")
    error = _refused(path)
    assert "highway" in error.en and "yizhan import streets" in error.en


def test_a_wkt_table_of_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roads.csv"
    path.write_text('name,geometry\n深南大道,"LINESTRING (114 22.5, 114.1 22.5)"\n', "utf-8")
    assert "LINESTRING" in _refused(path).en


def test_station_lists_still_read_with_their_problem_rows(tmp_path: Path) -> None:
    # One line among points is a problem row, as before; an address-only row is kept as an
    # unlocated draft (#12 item 10).
    point = {"type": "Point", "coordinates": [114.05, 22.54]}
    read = read_stations(
        _geojson(tmp_path / "mixed.geojson", [point, LINE]), kind="love_station", crs="wgs84"
    )
    assert len(read.records) == 1 and [p.code for p in read.problems] == ["not_point"]
    path = tmp_path / "list.csv"
    path.write_text("name,address,highway\n驿站,福华路 1 号,\n", "utf-8")
    kept = read_stations(path, kind="love_station", crs="wgs84")
    assert kept.problems == [] and [r.station.address for r in kept.unlocated] == ["福华路 1 号"]


def test_the_cli_exits_2_with_one_line(shared_data: Path, database_url: str, db) -> None:
    before = dump_stations(db)
    streets = shared_data / "shenzhen-futian" / "streets.geojson"
    out = yizhan(
        "import", "stations", str(streets), "--kind", "love_station", "--crs", "wgs84",
        url=database_url,
    )  # fmt: skip
    assert out.returncode == 2, out.stdout + out.stderr
    assert "yizhan import streets" in out.stdout + out.stderr
    assert "3889" not in out.stdout and "3,889" not in out.stdout
    assert dump_stations(db) == before


def test_the_api_answers_422(client, reviewer, db) -> None:
    content = b"osmid,highway,name\n1,primary,\xe6\xb7\xb1\xe5\x8d\x97\xe5\xa4\xa7\xe9\x81\x93\n"
    r = client.post(
        "/api/v1/imports",
        files={"file": ("roads.csv", content, "text/csv")},
        data={"kind": "love_station", "crs": "wgs84"},
        headers=reviewer,
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert "yizhan import streets" in body["message"] and "streets file" in body["message_en"]
