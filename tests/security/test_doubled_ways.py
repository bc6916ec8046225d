"""#12 item 2: a segment written twice (two features, either way round, or one way that
doubles back A-B-A) is stored once and counted in the import report; main-street length
is counted once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo.importers import import_streets
from geo.io.streets import build_walk_network, read_streets
from geo.measure import geodesic_lengths

X, Y = 114.05, 22.54
A, B, C, D = [X, Y], [X + 0.004, Y], [X + 0.008, Y], [X + 0.012, Y]


def _feature(coords, **props):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def _write(path: Path, features: list[dict]) -> Path:
    fc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def _metres(*coords) -> float:
    import shapely

    return float(geodesic_lengths(shapely.linestrings([list(coords)]))[0])


def _pieces(net) -> int:
    n = len(net.nodes)
    m = sp.coo_matrix(
        ([1] * len(net.edges), (net.edges["source"], net.edges["target"])), shape=(n, n)
    )
    return int(connected_components(m, directed=False)[0])


@pytest.mark.parametrize("node", [None, False])
def test_same_street_twice_reversed_is_counted_once(tmp_path, node) -> None:
    path = _write(
        tmp_path / "twice.geojson",
        [
            _feature([A, B, C], highway="primary", name="深南大道"),
            _feature([C, B, A], highway="primary", name="深南大道"),
        ],
    )
    read = read_streets(path, node=node)
    main_m = read.streets.loc[read.streets["is_main"], "length_m"].sum()
    assert main_m == pytest.approx(_metres(A, B, C), rel=1e-9)
    assert read.counts["doubled_segments_merged"] == 2
    assert read.counts["doubled_m_merged"] == pytest.approx(_metres(A, B, C), abs=0.1)
    assert any("doubled" in n for n in read.notes)


def test_way_doubling_back_is_one_segment_reaching_its_far_end(tmp_path) -> None:
    path = _write(tmp_path / "aba.geojson", [_feature([A, B, A], highway="primary", name="红荔路")])
    read = read_streets(path, node=False)
    assert read.streets["length_m"].sum() == pytest.approx(_metres(A, B), rel=1e-9)
    assert read.counts["doubled_segments_merged"] == 1
    net = build_walk_network(read.streets)
    assert len(net.nodes) == 2 and len(net.edges) == 1  # A-B, not a loop at A


def test_partly_doubled_noded_lines_stay_joined(tmp_path) -> None:
    """Lines taken as noded (u/v columns) sharing one segment B-C: the repeat is dropped
    and both lines are cut at B and C, so the network stays one piece."""
    path = _write(
        tmp_path / "part.geojson",
        [
            _feature([A, B, C, D], highway="primary", name="深南大道", u=1, v=4),
            _feature(
                [[X + 0.004, Y - 0.004], B, C, [X + 0.008, Y + 0.004]],
                highway="residential",
                u=5,
                v=6,
            ),
        ],
    )
    read = read_streets(path)
    assert read.counts["doubled_segments_merged"] == 1
    assert read.streets["length_m"].sum() == pytest.approx(
        _metres(A, B, C, D)
        + _metres([X + 0.004, Y - 0.004], B)
        + _metres(C, [X + 0.008, Y + 0.004]),
        rel=1e-9,
    )
    assert _pieces(build_walk_network(read.streets)) == 1
    # u/v stay only where a piece still ends where its line did
    first = read.streets[read.streets["name"] == "深南大道"]
    assert first["u"].tolist() == ["1", None, None] and first["v"].tolist() == [None, None, "4"]


def test_file_without_doubles_is_read_unchanged(tmp_path) -> None:
    path = _write(tmp_path / "plain.geojson", [_feature([A, B, C], highway="primary")])
    read = read_streets(path, node=False)
    assert len(read.streets) == 1
    assert read.counts["doubled_segments_merged"] == 0
    assert read.counts["doubled_m_merged"] == 0


def test_import_reports_and_stores_doubled_segments_once(db, tmp_path) -> None:
    path = _write(
        tmp_path / "twice.geojson",
        [
            _feature([A, B, C], highway="primary", name="深南大道"),
            _feature([C, B, A], highway="primary", name="深南大道"),
            _feature([C, D, C], highway="primary", name="深南大道"),
        ],
    )
    report = import_streets(path)
    assert report.counts["doubled_segments_merged"] == 3
    assert report.counts["main_street_km"] == pytest.approx(_metres(A, D) / 1000, abs=1e-3)
    stored = db.execute("SELECT sum(length_m) AS m FROM streets WHERE is_main").fetchone()
    assert stored["m"] == pytest.approx(_metres(A, B, C, D), rel=1e-9)
    log = db.execute("SELECT counts FROM import_log WHERE what = 'streets'").fetchone()
    assert log["counts"]["doubled_segments_merged"] == 3
    assert log["counts"]["doubled_m_merged"] == pytest.approx(
        _metres(A, B, C) + _metres(C, D), abs=0.1
    )
