"""Real city data from ../shared/data: Shenzhen Futian streets and districts, real station
lists in GCJ-02. Skipped, with the reason, where that folder is absent."""

from __future__ import annotations

import ast
import csv
import json

import pytest
from pyproj import Geod

from geo.stations.imports import import_stations

pytestmark = pytest.mark.realcity


def _classes(value: str) -> list[str]:
    value = value or ""
    return list(ast.literal_eval(value)) if value.startswith("[") else [value]


@pytest.fixture(scope="module")
def futian(shared_data, database_url):
    from tests.helpers.db import load_futian

    return load_futian(shared_data, database_url)


def test_futian_streets_all_2599_segments_are_accounted_for(futian, db_module) -> None:
    _, report, _ = futian
    # 2599 features, 10 of them a street written a second time (v-u after u-v): stored once
    assert report.counts["streets"] == 2589
    assert report.counts["doubled_segments_merged"] == 39
    assert db_module.execute("SELECT count(*) AS n FROM streets").fetchone()["n"] == 2589
    walk = db_module.execute(
        "SELECT count(*) AS n FROM walk_edges e JOIN streets s ON s.id = e.street_id"
    ).fetchone()["n"]
    assert walk == report.counts["walk_edges"] == report.counts["walkable_streets"]


def test_futian_main_street_length_matches_an_independent_computation(futian, db_module) -> None:
    folder, report, _ = futian
    geod = Geod(ellps="WGS84")
    data = json.loads((folder / "streets.geojson").read_text(encoding="utf-8"))
    expected = 0.0
    n_main = 0
    for f in data["features"]:
        if set(_classes(f["properties"]["highway"])) & {"trunk", "primary", "secondary"}:
            lons, lats = zip(*f["geometry"]["coordinates"], strict=True)
            expected += geod.line_length(lons, lats)
            n_main += 1
    stored = db_module.execute(
        "SELECT count(*) AS n, sum(length_m) AS m, sum(ST_Length(geom::geography)) AS g "
        "FROM streets WHERE is_main"
    ).fetchone()
    assert stored["n"] == n_main
    assert stored["m"] == pytest.approx(expected, rel=1e-3)
    assert stored["g"] == pytest.approx(expected, rel=1e-3)
    assert report.counts["main_street_km"] == pytest.approx(expected / 1000, rel=1e-3)


def test_futian_streets_lie_inside_the_futian_district(futian, db_module) -> None:
    row = db_module.execute(
        """SELECT count(*) FILTER (WHERE ST_Within(s.geom, d.geom)) AS inside, count(*) AS n,
                  bool_and(d.is_key) AS key
           FROM streets s, districts d WHERE d.name = '福田'"""
    ).fetchone()
    assert row["key"] is True
    assert row["inside"] == row["n"] == 2589
    assert db_module.execute("SELECT count(*) AS n FROM districts").fetchone()["n"] == 10


def test_zhengzhou_gcj02_stations_import_18_and_keep_64_address_only(shared_data, db) -> None:
    path = shared_data / "stations" / "zhengzhou-gcj02.csv"
    report = import_stations(path, kind="love_station", crs="gcj02")
    assert report.counts["created"] == 82 and report.counts["unlocated"] == 64
    assert report.problems == []
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    address_only = sorted(r["name"] for r in rows if not r["lat_gcj02"].strip())
    unlocated = db.execute("SELECT name FROM stations WHERE geom IS NULL ORDER BY name")
    assert [r["name"] for r in unlocated.fetchall()] == address_only
    # every stored point moved from its GCJ-02 input by the datum shift (300-700 m here)
    given = {
        r["name"]: (float(r["lng_gcj02"]), float(r["lat_gcj02"]))
        for r in rows
        if r["lat_gcj02"].strip()
    }
    stored = db.execute(
        "SELECT name, ST_X(geom) AS x, ST_Y(geom) AS y FROM stations WHERE geom IS NOT NULL"
    ).fetchall()
    geod = Geod(ellps="WGS84")
    for s in stored:
        gx, gy = given[s["name"]]
        _, _, dist = geod.inv(gx, gy, s["x"], s["y"])
        assert 300 < dist < 700, s["name"]


def test_duchang_keeps_amap_poi_ids_and_reimport_creates_no_duplicates(shared_data, db) -> None:
    path = shared_data / "stations" / "duchang-gcj02.csv"
    first = import_stations(path, kind="love_station", crs="gcj02")
    second = import_stations(path, kind="love_station", crs="gcj02")
    assert first.counts["created"] == 11
    assert second.counts["created"] == 0 and second.counts["unchanged"] == 11
    ids = {r["external_id"] for r in db.execute("SELECT external_id FROM stations").fetchall()}
    assert "B0KG7HA2PR" in ids and len(ids) == 11
