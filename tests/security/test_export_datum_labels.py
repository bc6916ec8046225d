"""#12 item 9: GCJ-02 and BD-09 exports never claim EPSG:4326 / CRS84.

A GeoPackage or GeoJSON in GCJ-02 was tagged EPSG:4326, so QGIS drew every station
300–600 m from where it is. Now a GeoPackage in GCJ-02 or BD-09 carries a spatial
reference system of that name (no EPSG code), and GeoJSON, which RFC 7946 and GDAL read
as WGS-84 whatever it says, is refused in those datums. Checked with GDAL's ``ogrinfo``,
as a GIS officer would.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from geo.crs import from_wgs84_point
from geo.errors import InvalidInput
from geo.stations.export import export_stations
from tests.helpers.cli import yizhan

LON, LAT = 114.0579, 22.5431

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo absent")


@pytest.fixture
def stored(db) -> None:
    db.execute(
        "INSERT INTO stations (kind, name, services, review_state, geom) VALUES "
        "('love_station', '莲花山驿站', '{}', 'approved', ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
        (LON, LAT),
    )


def _ogrinfo(path: Path) -> str:
    done = subprocess.run(
        ["ogrinfo", "-al", "-so", str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.parametrize(("crs", "name"), [("gcj02", "GCJ-02"), ("bd09", "BD-09")])
def test_a_gpkg_in_gcj02_or_bd09_names_its_datum_and_never_4326(
    db, stored, tmp_path, crs, name
) -> None:
    out = tmp_path / f"stations-{crs}.gpkg"
    assert export_stations(db, out, "gpkg", crs) == 1
    info = _ogrinfo(out)
    srs = info.split("Layer SRS WKT:", 1)[1]
    assert f'GEOGCRS["{name}' in srs, info
    assert "4326" not in srs and "CRS84" not in srs and "World Geodetic System" not in srs
    with sqlite3.connect(out) as gpkg:
        (srs_id, org, code) = gpkg.execute(
            "SELECT s.srs_id, s.organization, s.organization_coordsys_id "
            "FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s USING (srs_id)"
        ).fetchone()
    assert srs_id != 4326 and org.upper() != "EPSG" and code != 4326
    x, y = from_wgs84_point(LON, LAT, crs)
    assert f"({x:.6f}, {y:.6f})" in info  # the numbers are the datum's own
    assert "crs: String" in info


def test_a_wgs84_gpkg_is_labelled_4326(db, stored, tmp_path) -> None:
    out = tmp_path / "stations.gpkg"
    export_stations(db, out, "gpkg", "wgs84")
    assert 'ID["EPSG",4326]' in _ogrinfo(out)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_geojson_in_gcj02_or_bd09_is_refused_and_no_file_is_written(
    db, stored, tmp_path, crs
) -> None:
    out = tmp_path / "stations.geojson"
    with pytest.raises(InvalidInput) as err:
        export_stations(db, out, "geojson", crs)
    assert "RFC 7946" in err.value.en and "gpkg" in err.value.en
    assert "GeoJSON 只能使用 WGS-84" in err.value.zh
    assert not out.exists()


def test_the_cli_refuses_gcj02_geojson_with_status_2(db, stored, database_url, tmp_path) -> None:
    out = tmp_path / "stations.geojson"
    done = yizhan(
        "export",
        "stations",
        "--format",
        "geojson",
        "--crs",
        "gcj02",
        "--out",
        str(out),
        url=database_url,
    )
    assert done.returncode == 2
    assert "RFC 7946" in done.stdout + done.stderr and not out.exists()


def test_wgs84_geojson_is_what_gdal_reads_as_crs84(db, stored, tmp_path) -> None:
    out = tmp_path / "stations.geojson"
    export_stations(db, out, "geojson", "wgs84")
    info = _ogrinfo(out)
    assert "4326" in info and f"({LON:.6f}, {LAT:.6f})" in info
