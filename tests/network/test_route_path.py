"""The walking path (#14) is the walk the distance measures: on a grid of streets with
gaps, for many pairs of points, the path's length is the network's walking distance and
its line is as long, from the first point to the second."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.measure import geodesic_lengths
from geo.network.route import walk_path
from geo.network.walk import WalkNetwork
from tests.helpers.nearest_city import ll

GEOD = Geod(ellps="WGS84")


def grid_network(n: int = 6, step: float = 150.0, seed: int = 7) -> WalkNetwork:
    """An n x n grid of streets ``step`` metres apart, a fifth of its blocks' sides gone."""
    rng = np.random.default_rng(seed)
    node = {(i, j): i * n + j + 1 for i in range(n) for j in range(n)}
    pairs = [((i, j), (i + 1, j)) for i in range(n - 1) for j in range(n)]
    pairs += [((i, j), (i, j + 1)) for i in range(n) for j in range(n - 1)]
    keep = [p for p in pairs if rng.random() > 0.2]
    lines = [
        shapely.LineString([ll(a[0] * step, a[1] * step), ll(b[0] * step, b[1] * step)])
        for a, b in keep
    ]
    # Draw half of the streets backwards: the path must follow each edge's direction.
    src = [node[a] for a, _ in keep]
    dst = [node[b] for _, b in keep]
    for k in range(0, len(keep), 2):
        src[k], dst[k] = dst[k], src[k]
        lines[k] = shapely.reverse(lines[k])
    edges = {
        "id": np.arange(1, len(keep) + 1),
        "source": np.array(src),
        "target": np.array(dst),
        "length_m": np.asarray(geodesic_lengths(lines), dtype=float),
        "street_id": np.full(len(keep), -1),
        "geom": np.array(lines, dtype=object),
    }
    return WalkNetwork.from_edges(edges, "test")


def test_the_path_is_as_long_as_the_walk_for_many_pairs() -> None:
    net = grid_network()
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(60):
        a = ll(*rng.uniform(-20, 770, 2))
        b = ll(*rng.uniform(-20, 770, 2))
        snaps = net.snap([a[0], b[0]], [a[1], b[1]])
        walk = float(net.walking_m(snaps.take([0]), snaps.take([1]), np.inf)[0])
        path = walk_path(net, a, b)
        if not np.isfinite(walk):
            assert path is None  # the grid's gaps may cut a corner off
            continue
        assert path is not None
        assert path.length_m == pytest.approx(walk, abs=1e-6)
        lons, lats = zip(*path.coords, strict=True)
        assert float(GEOD.line_length(lons, lats)) == pytest.approx(walk, rel=2e-3, abs=0.5)
        assert path.coords[0] == pytest.approx(a, abs=1e-7)
        assert path.coords[-1] == pytest.approx(b, abs=1e-7)
        checked += 1
    assert checked > 40


def test_two_points_on_one_street_walk_the_stretch_between_them() -> None:
    net = grid_network()
    a, b = ll(10, 3), ll(120, 3)  # both by the street y = 0 between x = 0 and 150
    path = walk_path(net, a, b)
    assert path is not None
    assert path.length_m == pytest.approx(110 + 3 + 3, abs=0.5)
