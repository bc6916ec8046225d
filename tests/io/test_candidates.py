"""Candidate sites (issue #6): read from CSV/XLSX/GeoJSON, or generated along streets and in
districts."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from geo.crs import to_wgs84_point
from geo.errors import InvalidFile, InvalidInput
from geo.io.candidates import generate_candidates, read_candidates

CSV = (
    "名称,地址,类型,经度,纬度\n"
    "福田环卫所,深南大道1号,环卫站点,114.0600,22.5400\n"
    "招商银行网点,福华路2号,银行网点,,\n"
    "\n"
    "好邻居便利店,红荔路3号,商户,114.0700,22.5500\n"
)


def test_csv_sites_are_converted_to_wgs84_and_rows_without_coordinates_reported(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(CSV, encoding="utf-8")
    read = read_candidates(path, crs="gcj02")
    assert read.total_rows == 3
    assert read.sites["name"].tolist() == ["福田环卫所", "好邻居便利店"]
    assert read.sites["row"].tolist() == [2, 5]
    assert read.sites["category"].tolist() == ["环卫站点", "商户"]
    lon, lat = to_wgs84_point(114.06, 22.54, "gcj02")
    assert read.sites.geometry.iloc[0].x == pytest.approx(lon, abs=1e-9)
    assert read.sites.geometry.iloc[0].y == pytest.approx(lat, abs=1e-9)
    assert read.sites.crs.to_epsg() == 4326
    (problem,) = read.problems
    assert problem.row == 3 and problem.code == "no_coordinates"
    assert problem.values["名称"] == "招商银行网点"


def test_same_file_gives_the_same_ids(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(CSV, encoding="utf-8")
    first = read_candidates(path, crs="wgs84").sites["candidate_id"].tolist()
    assert first == read_candidates(path, crs="wgs84").sites["candidate_id"].tolist()
    assert len(set(first)) == 2


def test_xlsx_with_a_title_row_and_bad_numbers(tmp_path):
    path = tmp_path / "sites.xlsx"
    frame = pd.DataFrame(
        [
            ["2025 年候选点", None, None, None],
            ["编号", "名称", "经度", "纬度"],
            ["W1", "会员单位甲", "114.05", "22.53"],
            ["W2", "会员单位乙", "东经114", "22.53"],
            ["W1", "会员单位丙", "114.06", "22.54"],
        ]
    )
    frame.to_excel(path, header=False, index=False)
    read = read_candidates(path, crs="wgs84")
    assert read.sites["candidate_id"].tolist() == ["W1"]
    assert [(p.row, p.code) for p in read.problems] == [(4, "bad_number"), (5, "duplicate_id")]


def test_geojson_points_and_a_polygon_reported(tmp_path):
    features = [
        {"type": "Feature", "properties": {"name": "A"},
         "geometry": {"type": "Point", "coordinates": [114.05, 22.53]}},
        {"type": "Feature", "properties": {"name": "B"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
    ]  # fmt: skip
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    read = read_candidates(path, crs="bd09")
    assert read.sites["name"].tolist() == ["A"]
    assert read.columns["lon"] == "geometry"
    assert [(p.row, p.code) for p in read.problems] == [(2, "not_point")]


def test_file_without_coordinate_columns_is_refused(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("名称,地址\n甲,某路1号\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match="longitude"):
        read_candidates(path, crs="wgs84")
    with pytest.raises(InvalidInput):
        read_candidates(path, crs="mars")


# ---------------------------------------------------------------- generated


def test_points_along_a_street_are_evenly_spaced_and_centred():
    street = gpd.GeoSeries([LineString([(0, 0), (1000, 0)])], crs=32650)
    sites = generate_candidates(street, 300)
    assert sites.geometry.x.tolist() == pytest.approx([125, 375, 625, 875])
    assert set(sites["source"]) == {"street"} and sites["parent"].tolist() == [0, 0, 0, 0]
    assert sites["candidate_id"].tolist() == ["gen:0", "gen:1", "gen:2", "gen:3"]


def test_a_short_street_still_gets_one_site_and_junctions_are_not_doubled():
    streets = gpd.GeoSeries(
        [LineString([(0, 0), (50, 0)]), LineString([(0, 0), (100, 0)])], crs=32650
    )
    sites = generate_candidates(streets, 100)
    assert sites.geometry.x.tolist() == pytest.approx([25, 50])  # 50 appears only once


def test_grid_inside_a_district_and_one_point_in_a_small_one():
    districts = gpd.GeoDataFrame(
        geometry=[box(0, 0, 1000, 1000), Polygon([(2010, 10), (2060, 10), (2010, 60)])],
        crs=32650,
    )
    sites = generate_candidates(districts, 250)
    big = sites[sites["parent"] == 0]
    assert len(big) == 9  # 250, 500, 750 in each direction (the border is not inside)
    small = sites[sites["parent"] == 1]
    assert len(small) == 1 and districts.geometry.iloc[1].contains(small.geometry.iloc[0])


def test_wgs84_input_is_measured_in_metres_and_returned_in_wgs84():
    street = gpd.GeoSeries([LineString([(114.05, 22.53), (114.05, 22.54)])], crs=4326)  # ~1.1 km
    sites = generate_candidates(street, 200)
    assert sites.crs.to_epsg() == 4326 and len(sites) == 6
    metric = sites.to_crs(32650).geometry
    gaps = shapely.distance(metric.values[:-1], metric.values[1:])
    assert np.all(gaps <= 200) and np.all(gaps > 150)


@pytest.mark.parametrize("spacing", [0, -10, float("nan")])
def test_spacing_must_be_positive(spacing):
    with pytest.raises(InvalidInput):
        generate_candidates(gpd.GeoSeries([Point(0, 0)], crs=32650), spacing)
