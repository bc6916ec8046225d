"""The engine alone (no database): covered intervals agree with walking distances
sampled densely along every edge, on random networks with stations on and off edges."""

from __future__ import annotations

import numpy as np
import pytest

from geo.coverage.engine import complement, covered_intervals, point_distances
from geo.network.graph import Graph, Snap, reach


@pytest.mark.parametrize("seed", range(5))
def test_covered_length_matches_dense_sampling_of_walking_distance(seed) -> None:
    rng = np.random.default_rng(seed)
    n, m = 40, 90
    graph = Graph(rng.integers(0, n, m), rng.integers(0, n, m), rng.uniform(20, 900, m), n)
    k = 6
    stations = Snap(rng.integers(0, m, k), np.zeros(k), rng.uniform(0, 300, k))
    stations = Snap(
        stations.edge, rng.uniform(0, 1, k) * graph.length[stations.edge], stations.offset
    )
    r = reach(graph, stations, 700.0)
    cov = covered_intervals(r)
    per_edge = cov.length_per_edge(m)
    # midpoints of 1 m pieces along every edge
    pieces = np.ceil(graph.length).astype(int)
    edge = np.repeat(np.arange(m), pieces)
    start = np.arange(edge.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    size = graph.length[edge] / pieces[edge]
    samples = Snap(edge, (start + 0.5) * size, np.zeros(edge.size))
    inside = point_distances(r, samples) <= 700.0
    sampled = np.bincount(edge, weights=np.where(inside, size, 0.0), minlength=m)
    assert np.all(np.abs(per_edge - sampled) <= 2 * size.max() + 1e-9)
    assert 0 < per_edge.sum() < graph.length.sum()
    gaps = complement(cov, np.arange(m), graph.length)
    assert np.allclose(per_edge + gaps.length_per_edge(m), graph.length)
