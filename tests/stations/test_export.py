"""``yizhan export stations`` in every format and coordinate system."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from geo.crs import from_wgs84_point

LON, LAT = 114.0579, 22.5431


@pytest.fixture
def stations(db):
    db.execute(
        "INSERT INTO stations (kind, name, services, review_state, geom) VALUES "
        "('love_station', '莲花山驿站', ARRAY['drinking_water','toilet'], 'approved', "
        " ST_SetSRID(ST_MakePoint(%s, %s), 4326)),"
        "('worker_bookshop', '=cmd|'' /C calc''!A0', '{}', 'pending_review', "
        " ST_SetSRID(ST_MakePoint(114.06, 22.55), 4326))",
        (LON, LAT),
    )


# GeoJSON is WGS-84 only (tests/security/test_export_datum_labels.py).
@pytest.mark.parametrize("fmt", ["gpkg", "csv", "xlsx"])
def test_export_stations_writes_every_station_in_the_asked_crs(stations, tmp_path, fmt) -> None:
    out = tmp_path / f"stations.{fmt}"
    result = CliRunner().invoke(
        app, ["export", "stations", "--format", fmt, "--crs", "gcj02", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    if fmt in ("geojson", "gpkg"):
        frame = gpd.read_file(out)
        x, y = frame.geometry.x[0], frame.geometry.y[0]
    else:
        frame = pd.read_csv(out) if fmt == "csv" else pd.read_excel(out)
        x, y = frame["lng"][0], frame["lat"][0]
    assert len(frame) == 2
    assert frame["name"][0] == "莲花山驿站"
    assert frame["services"][0] == "drinking_water,toilet"
    assert (x, y) == pytest.approx(from_wgs84_point(LON, LAT, "gcj02"), abs=1e-7)
    assert (x, y) != pytest.approx((LON, LAT), abs=1e-4)
    assert frame["crs"][0] == "gcj02"


def test_export_rejects_unknown_format(stations, tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["export", "stations", "--format", "shp", "--out", str(tmp_path / "x.shp")]
    )
    assert result.exit_code != 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_defuses_spreadsheet_formulas_in_station_text(stations, tmp_path, fmt) -> None:
    out = tmp_path / f"stations.{fmt}"
    result = CliRunner().invoke(app, ["export", "stations", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out) if fmt == "csv" else pd.read_excel(out)
    assert frame["name"][1] == "'=cmd|' /C calc'!A0"
