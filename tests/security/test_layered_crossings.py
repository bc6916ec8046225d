"""#12 item 3: noding GIS lines where they cross honours ``bridge``/``tunnel``/``layer``:
a bridge over a street, or a tunnel under it, is not joined to it; lines still join at
vertices both have (a ramp landing on the street), as OSM ways join at shared nodes. The
crossings are counted in the import report, and a file without level columns is told
how many crossings were noded and how to choose (``--node``/``--no-node``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from geo.importers import import_streets
from geo.io.streets import build_walk_network, read_streets
from tests.helpers.cli import yizhan
from tests.helpers.nearest_city import ll
from tests.helpers.paths import SHARED_DATA

FUTIAN_STREETS = SHARED_DATA / "shenzhen-futian" / "streets.geojson"

# metres east/north of 114.05 E, 22.54 N
GROUND = [(-500, 0), (-300, 0), (500, 0)]  # 红荔路, with a vertex at (-300, 0)
OVER = [(0, -300), (0, 300)]  # crosses the ground street at (0, 0), no shared vertex
# A bridge whose ramp lands on the ground street's vertex (-300, 0) and which then
# crosses the ground street at (100, 0) without a vertex there.
RAMP = [(-300, 0), (0, -200), (200, 200)]


def _feature(points, **props):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": [ll(*p) for p in points]},
    }


def _write(path: Path, *features) -> Path:
    fc = {"type": "FeatureCollection", "features": list(features)}
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def _ground(**props):
    return _feature(GROUND, highway="primary", name="红荔路", **props)


def _pieces(streets) -> int:
    net = build_walk_network(streets)
    n = len(net.nodes)
    m = sp.coo_matrix(
        ([1] * len(net.edges), (net.edges["source"], net.edges["target"])), shape=(n, n)
    )
    return int(connected_components(m, directed=False)[0])


def _has_node_at(streets, point) -> bool:
    nodes = build_walk_network(streets).nodes.geometry.to_numpy()
    return bool((shapely.distance(nodes, shapely.Point(ll(*point))) < 1e-7).any())


def test_bridge_over_a_street_is_not_joined_to_it(tmp_path) -> None:
    path = _write(
        tmp_path / "bridge.geojson",
        _ground(),
        _feature(OVER, highway="tertiary", name="景田天桥", bridge="yes"),
    )
    read = read_streets(path)
    assert len(read.streets) == 2  # neither line split
    assert read.counts["crossings_kept_apart"] == 1
    assert read.counts["crossings_noded"] == 0
    assert not _has_node_at(read.streets, (0, 0))
    assert _pieces(read.streets) == 2
    assert any("kept 1 crossing" in n for n in read.notes)


@pytest.mark.parametrize(
    ("props", "apart"),
    [
        ({"layer": "1"}, True),
        ({"layer": -1}, True),
        ({"tunnel": "yes"}, True),
        ({"bridge": "viaduct"}, True),
        ({"bridge": "yes", "layer": "0"}, False),  # an explicit layer wins
        ({"tunnel": "building_passage"}, False),  # at ground level
        ({"bridge": "no"}, False),
    ],
)
def test_levels_as_osm_means_them(tmp_path, props, apart) -> None:
    path = _write(
        tmp_path / "level.geojson",
        _ground(),
        _feature(OVER, highway="tertiary", name="景田路", **props),
    )
    read = read_streets(path)
    assert read.counts["crossings_kept_apart"] == int(apart)
    assert read.counts["crossings_noded"] == int(not apart)
    assert len(read.streets) == (2 if apart else 4)  # each line cut in two when noded
    assert _has_node_at(read.streets, (0, 0)) is (not apart)


def test_lines_on_the_same_raised_level_join_where_they_cross(tmp_path) -> None:
    path = _write(
        tmp_path / "same.geojson",
        _feature(
            [(-500, 0), (500, 0)], highway="trunk", name="桥甲", bridge="yes", sidewalk="both"
        ),
        _feature(OVER, highway="tertiary", name="桥乙", layer=1),
    )
    read = read_streets(path)
    assert read.counts["crossings_noded"] == 1
    assert read.counts["crossings_kept_apart"] == 0
    assert len(read.streets) == 4
    assert _pieces(read.streets) == 1


def test_a_ramp_joins_the_street_at_their_shared_vertex_only(tmp_path) -> None:
    path = _write(
        tmp_path / "ramp.geojson",
        _ground(),
        _feature(RAMP, highway="secondary", name="红荔路高架桥", bridge="yes", layer="1"),
    )
    read = read_streets(path, unwalkable_names=None)
    counts = read.counts
    assert (counts["crossings_noded"], counts["crossings_kept_apart"]) == (0, 1)
    assert counts["crossings_at_shared_vertices"] == 1
    # the ground street is cut at the ramp's foot (-300, 0), not at the crossing (100, 0)
    ground = read.streets[read.streets["name"] == "红荔路"]
    assert len(ground) == 2
    assert _has_node_at(read.streets, (-300, 0))
    assert not _has_node_at(read.streets, (100, 0))
    assert _pieces(read.streets) == 1
    assert read.streets["length_m"].sum() == pytest.approx(
        read_streets(path, node=False).streets["length_m"].sum(), rel=1e-9
    )


def test_a_file_without_level_columns_is_told_what_noding_did(tmp_path) -> None:
    path = _write(
        tmp_path / "flat.geojson",
        _ground(),
        _feature(OVER, highway="tertiary", name="景田路"),
    )
    read = read_streets(path)
    assert read.counts["crossings_noded"] == 1
    (note,) = [n for n in read.notes if "bridge/tunnel/layer" in n]
    assert "1 crossing(s) without a shared vertex were noded" in note
    assert "--no-node" in note and "--node" in note
    assert "1 处没有共用顶点的交叉" in note


def test_level_columns_silence_the_note(tmp_path) -> None:
    path = _write(
        tmp_path / "levels.geojson",
        _ground(layer=0),
        _feature([(-500, 100), (500, 100)], highway="tertiary", name="景田路", layer=0),
        _feature(OVER, highway="tertiary", name="福中路", layer=0),
    )
    read = read_streets(path)
    assert read.counts["crossings_noded"] == 2
    assert not any("bridge/tunnel/layer" in n for n in read.notes)


def test_no_node_keeps_lines_whole_and_counts_nothing(tmp_path) -> None:
    path = _write(
        tmp_path / "flat.geojson", _ground(), _feature(OVER, highway="tertiary", name="景田路")
    )
    read = read_streets(path, node=False)
    assert len(read.streets) == 2
    assert "crossings_noded" not in read.counts


OSM_BRIDGE = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="{y1}" lon="{x1}" version="1"/>
  <node id="2" lat="{y2}" lon="{x2}" version="1"/>
  <node id="3" lat="{y3}" lon="{x3}" version="1"/>
  <node id="4" lat="{y4}" lon="{x4}" version="1"/>
  <node id="5" lat="{y5}" lon="{x5}" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="name" v="红荔路"/>
  </way>
  <way id="11" version="1">
    <nd ref="2"/><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="secondary"/><tag k="bridge" v="yes"/><tag k="layer" v="1"/>
  </way>
</osm>
"""


def test_osm_ways_join_only_at_shared_nodes(tmp_path) -> None:
    """OSM: the bridge shares node 2 with the street (its ramp) and crosses it at
    (100, 0) without a node: joined at node 2 only."""
    points = [GROUND[0], GROUND[1], GROUND[2], RAMP[1], RAMP[2]]
    coords = {}
    for i, p in enumerate(points, start=1):
        coords[f"x{i}"], coords[f"y{i}"] = ll(*p)
    path = tmp_path / "bridge.osm"
    path.write_text(OSM_BRIDGE.format(**coords), encoding="utf-8")
    read = read_streets(path)
    assert sorted(read.streets["osm_id"]) == ["10", "10", "11"]
    assert _has_node_at(read.streets, (-300, 0))
    assert not _has_node_at(read.streets, (100, 0))
    assert _pieces(read.streets) == 1


def test_import_report_and_log_count_the_crossings(db, tmp_path) -> None:
    path = _write(
        tmp_path / "bridge.geojson",
        _ground(),
        _feature([(-500, 100), (500, 100)], highway="tertiary", name="景田路"),
        _feature(OVER, highway="tertiary", name="景田天桥", bridge="yes"),
    )
    report = import_streets(path)
    assert report.counts["crossings_noded"] == 0
    assert report.counts["crossings_kept_apart"] == 2
    log = db.execute("SELECT counts FROM import_log WHERE what = 'streets'").fetchone()
    assert log["counts"]["crossings_kept_apart"] == 2
    # the bridge is stored whole: one walk edge, touching neither street
    edges = db.execute("SELECT count(*) AS n FROM walk_edges").fetchone()["n"]
    assert edges == 3


def test_cli_offers_node_and_no_node_and_prints_the_counts(database_url, db, tmp_path) -> None:
    helped = yizhan("import", "streets", "--help", url=database_url)
    assert helped.returncode == 0
    assert "--node" in helped.stdout and "--no-node" in helped.stdout
    path = _write(
        tmp_path / "flat.geojson", _ground(), _feature(OVER, highway="tertiary", name="景田路")
    )
    out = yizhan("import", "streets", str(path), "--node", url=database_url)
    assert out.returncode == 0, out.stderr
    assert "crossings_noded" in out.stdout and "--no-node" in out.stdout


@pytest.mark.skipif(not FUTIAN_STREETS.exists(), reason="../shared/data/shenzhen-futian absent")
def test_real_futian_crossings() -> None:
    """The Futian OSMnx export has u/v (taken as noded, nothing counted). Noded anyway
    (``--node``), it has no level columns: 1,575 crossings are at shared vertices (OSM's
    junctions) and 164 are not (over- and underpasses), which are noded and reported."""
    auto = read_streets(FUTIAN_STREETS)
    assert "crossings_noded" not in auto.counts
    forced = read_streets(FUTIAN_STREETS, node=True)
    c = forced.counts
    assert (c["crossings_noded"], c["crossings_kept_apart"]) == (164, 0)
    assert c["crossings_at_shared_vertices"] == 1575
    (note,) = [n for n in forced.notes if "bridge/tunnel/layer" in n]
    assert "likely bridges or tunnels" in note
    assert np.isfinite(forced.streets["length_m"]).all()
