"""The walk network as a graph, and every shortest-path search on it.

Plain numpy/scipy on arrays; no database, no geometry. The network is an undirected graph
of nodes ``0..n-1`` and edges ``(source, target, length)``. A point (station, candidate,
grid-cell centre, sample on a street, a person) is *snapped* onto an edge (a
:class:`Snap`): ``edge``, the distance ``along`` it from its source node, and the
straight-line ``offset`` from the point to the edge. The offset counts as walking
distance; two points closer to each other than to the street walk the straight line
between them instead (the rule of :mod:`geo.network.straight`).

Three searches, all scipy's bounded Dijkstra on the same CSR arcs (:attr:`Graph.arcs`):

* :func:`reach`: from the nearest of many stations (coverage): one Dijkstra from a
  virtual super-source with an arc to both end nodes of each station's edge weighted
  ``offset + along`` and ``offset + (length - along)``;
* :func:`node_distances`: from each of a batch of points separately (siting): one virtual
  node per point, the dense (batch x nodes) answer;
* :func:`walking_m`: from one point to many snapped points (the public nearest-station
  lookup): a Dijkstra from the two ends of the point's edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

# csgraph drops zero weights from sparse input: a station exactly on a node, or a
# zero-length edge, still needs its arc. A micrometre changes no figure.
MIN_ARC_M = 1e-6


@dataclass(frozen=True)
class Graph:
    """An undirected walk network with nodes numbered ``0..n_nodes-1``."""

    source: Ints
    target: Ints
    length: Floats
    n_nodes: int

    @classmethod
    def from_ids(cls, source: Ints, target: Ints, length: Floats) -> Graph:
        """A graph from edges whose end nodes carry arbitrary (database) ids."""
        ids, inverse = np.unique(np.r_[source, target], return_inverse=True)
        m = len(source)
        return cls(
            inverse[:m].astype(np.int64),
            inverse[m:].astype(np.int64),
            np.asarray(length, dtype=np.float64),
            len(ids),
        )

    @classmethod
    def from_arrays(cls, a: dict[str, NDArray[Any]]) -> Graph:
        """The graph of :meth:`arrays` (e.g. memory-mapped), its arcs and pieces included."""
        graph = cls(a["source"], a["target"], a["length"], int(a["n_nodes"][0]))
        # cached_property keeps its value in the instance dict: set it without rebuilding.
        graph.__dict__["arcs"] = (a["arc_indptr"], a["arc_indices"], a["arc_weight"])
        graph.__dict__["node_piece"] = a["node_piece"]
        return graph

    def arrays(self) -> dict[str, NDArray[Any]]:
        """The graph's arrays by name, arcs and pieces included (see :meth:`from_arrays`)."""
        indptr, indices, weight = self.arcs
        return {
            "source": self.source,
            "target": self.target,
            "length": self.length,
            "n_nodes": np.array([self.n_nodes], dtype=np.int64),
            "arc_indptr": indptr,
            "arc_indices": indices,
            "arc_weight": weight,
            "node_piece": self.node_piece,
        }

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.length)

    @cached_property
    def arcs(self) -> tuple[Ints, Ints, Floats]:
        """CSR arrays (indptr, indices, weights) of both directions of every edge, the
        lightest of parallel edges only; built once and reused by every search."""
        rows, cols, weight = _min_per_pair(
            np.r_[self.source, self.target],
            np.r_[self.target, self.source],
            np.maximum(np.r_[self.length, self.length], MIN_ARC_M),
        )
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=self.n_nodes))]
        return indptr.astype(np.int64), cols, weight

    @cached_property
    def node_piece(self) -> Ints:
        """The connected piece (0..) of every node: two points whose edges lie on
        different pieces cannot reach each other by walking."""
        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        _, label = connected_components(self.matrix, directed=False)
        return np.asarray(label, dtype=np.int64)

    def edge_piece(self, edge: Ints) -> Ints:
        """The connected piece of each given edge (-1 for -1: on no edge)."""
        edge = np.asarray(edge, dtype=np.int64)
        piece = self.node_piece[self.source[np.maximum(edge, 0)]] if self.n_edges else edge
        return np.where(edge >= 0, piece, -1)

    @cached_property
    def matrix(self) -> csr_matrix:
        """:attr:`arcs` as a (nodes x nodes) matrix, for searches from real nodes."""
        indptr, indices, data = self.arcs
        return csr_matrix((data, indices, indptr), shape=(self.n_nodes, self.n_nodes))


@dataclass(frozen=True)
class Snap:
    """Points placed on the network: edge index (-1: none within reach), metres along the
    edge from its source node, and the straight-line distance from point to edge."""

    edge: Ints
    along: Floats
    offset: Floats

    def take(self, mask: NDArray[np.bool_] | Ints) -> Snap:
        """The snaps selected by a boolean mask or an index array."""
        return Snap(self.edge[mask], self.along[mask], self.offset[mask])


@dataclass(frozen=True)
class Reach:
    """Node distances from the nearest station (inf beyond the limit) and the stations."""

    graph: Graph
    stations: Snap  # snapped stations (only those on an edge)
    limit: float
    node_distance: Floats


def reach(graph: Graph, stations: Snap, limit: float) -> Reach:
    """Walking distance from the nearest station to every node, up to ``limit`` metres.

    One multi-source Dijkstra (a virtual super-source, ``limit`` as the search bound);
    nodes further than ``limit`` get ``inf``.
    """
    on = stations.take(stations.edge >= 0)
    n = graph.n_nodes
    if on.edge.size == 0 or graph.n_edges == 0:
        return Reach(graph, on, limit, np.full(n, np.inf))
    # The super-source is node n: one arc to each end of every station's edge.
    length = graph.length[on.edge]
    _, cols, weight = _min_per_pair(
        np.zeros(2 * on.edge.size, dtype=np.int64),
        np.r_[graph.source[on.edge], graph.target[on.edge]],
        np.maximum(np.r_[on.offset + on.along, on.offset + (length - on.along)], MIN_ARC_M),
    )
    indptr, indices, data = graph.arcs
    matrix = csr_matrix(
        (np.r_[data, weight], np.r_[indices, cols], np.r_[indptr, indptr[-1] + cols.size]),
        shape=(n + 1, n + 1),
    )
    dist = dijkstra(matrix, directed=True, indices=n, limit=limit)
    return Reach(graph, on, limit, np.asarray(dist[:n], dtype=np.float64))


def node_distances(graph: Graph, points: Snap, limit: float) -> Floats:
    """(points x nodes) walking distances from each snapped point separately, up to
    ``limit`` (inf beyond). Every point must be on an edge."""
    n, b = graph.n_nodes, points.edge.size
    dist = dijkstra(
        _with_points(graph, points), directed=True, indices=np.arange(n, n + b), limit=limit
    )
    return np.asarray(dist[:, :n], dtype=np.float64)


def local_node_distances(graph: Graph, points: Snap, limit: float) -> tuple[Floats, Ints, Ints]:
    """:func:`node_distances` on the part of the network within ``limit`` of any point.

    scipy's Dijkstra answers a dense (points x nodes) array however small ``limit`` is, so
    on a city of a million edges a batch of points would cost the whole network each. A
    walk of at most ``limit`` only passes nodes within ``limit`` of its start, so one
    ``min_only`` pass finds the nodes any point reaches and the per-point distances are
    taken on them alone: the same distances, at the cost of the part reached.

    Returns
    -------
    (dist, nodes, column)
        ``dist``: (points x (m + 1)) distances to the ``m`` reached ``nodes`` (the last
        column inf); ``column``: per network node its column in ``dist`` (m: not reached).
    """
    n, b = graph.n_nodes, points.edge.size
    matrix = _with_points(graph, points)
    starts = np.arange(n, n + b)
    near = dijkstra(matrix, directed=True, indices=starts, limit=limit, min_only=True)
    nodes = np.flatnonzero(np.isfinite(near[:n]))
    m = nodes.size
    keep = np.r_[nodes, starts]
    sub = matrix[keep][:, keep]
    dist = np.full((b, m + 1), np.inf)
    if m:
        dist[:, :m] = dijkstra(sub, directed=True, indices=np.arange(m, m + b), limit=limit)[:, :m]
    column = np.full(n, m, dtype=np.int64)
    column[nodes] = np.arange(m)
    return dist, nodes, column


def _with_points(graph: Graph, points: Snap) -> csr_matrix:
    """The network's arcs with one virtual node per point (numbered from ``n_nodes``),
    joined to the ends of its edge."""
    n, b = graph.n_nodes, points.edge.size
    u, v = graph.source[points.edge], graph.target[points.edge]
    to_u = np.maximum(points.offset + points.along, MIN_ARC_M)
    to_v = np.maximum(points.offset + graph.length[points.edge] - points.along, MIN_ARC_M)
    loop = u == v  # a loop edge: one arc, the shorter way round
    to_u = np.where(loop, np.minimum(to_u, to_v), to_u)
    counts = np.where(loop, 1, 2)
    arc = np.column_stack([np.ones(b, dtype=bool), ~loop]).ravel()
    cols = np.column_stack([u, v]).ravel()[arc]
    weight = np.column_stack([to_u, to_v]).ravel()[arc]
    indptr, indices, data = graph.arcs
    matrix = csr_matrix(
        (
            np.r_[data, weight],
            np.r_[indices, cols],
            np.r_[indptr, indptr[-1] + np.cumsum(counts)],
        ),
        shape=(n + b, n + b),
    )
    return matrix


def walking_m(graph: Graph, origin: Snap, targets: Snap, limit: float) -> Floats:
    """Walking metres from one snapped origin to each snapped target.

    Targets farther than ``limit`` (or unreachable) get ``inf``.
    """
    e = int(origin.edge[0])
    a = float(origin.along[0])
    b = float(graph.length[e] - a)
    budget = max(limit - float(origin.offset[0]), 0.0)
    ends = [int(graph.source[e]), int(graph.target[e])]
    dist = dijkstra(graph.matrix, directed=True, indices=ends, limit=budget)
    from_origin = np.minimum(a + dist[0], b + dist[1])
    te = targets.edge
    ta = targets.along
    tb = graph.length[te] - ta
    walk = np.minimum(from_origin[graph.source[te]] + ta, from_origin[graph.target[te]] + tb)
    walk = np.where(te == e, np.minimum(walk, np.abs(ta - a)), walk)
    total = walk + targets.offset + origin.offset[0]
    return np.where(total <= limit, total, np.inf)


def _min_per_pair(rows: Ints, cols: Ints, weight: Floats) -> tuple[Ints, Ints, Floats]:
    """Keep the lightest of parallel arcs (a sparse matrix would add them up)."""
    order = np.lexsort((weight, cols, rows))
    rows, cols, weight = rows[order], cols[order], weight[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    return rows[first], cols[first], weight[first]
