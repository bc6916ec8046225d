"""Node distances from a batch of points on the part of the network they reach (#18):
the same distances as on the whole network, for every point and node."""

from __future__ import annotations

import numpy as np

from geo.network.graph import Graph, Snap, local_node_distances, node_distances


def _grid(n: int, rng: np.random.Generator) -> Graph:
    """An n x n grid of 100 m streets with jittered lengths, one street in ten missing."""
    ids = np.arange(n * n).reshape(n, n)
    source = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    target = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    keep = rng.random(source.size) > 0.1
    length = rng.uniform(80, 120, source.size)
    return Graph.from_ids(source[keep], target[keep], length[keep])


def test_local_distances_equal_the_whole_networks() -> None:
    rng = np.random.default_rng(18)
    graph = _grid(40, rng)
    b = 50
    edge = rng.integers(0, graph.n_edges, b)
    points = Snap(edge, rng.random(b) * graph.length[edge], rng.uniform(0, 30, b))
    for limit in (150.0, 500.0, 1000.0):
        whole = node_distances(graph, points, limit)
        dist, nodes, column = local_node_distances(graph, points, limit)
        assert nodes.size < graph.n_nodes  # only part of the grid is within reach
        np.testing.assert_array_equal(dist[:, column], whole)
        assert np.isinf(dist[:, -1]).all()


def test_points_reaching_no_node_get_only_infinite_distances() -> None:
    graph = Graph.from_ids(np.array([0, 1]), np.array([1, 2]), np.array([1000.0, 1000.0]))
    points = Snap(np.array([0]), np.array([500.0]), np.array([10.0]))
    dist, nodes, column = local_node_distances(graph, points, 100.0)
    assert nodes.size == 0 and dist.shape == (1, 1) and np.isinf(dist).all()
    assert (column == 0).all()
