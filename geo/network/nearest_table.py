"""Each node's ``k`` nearest stations by walk: one multi-source label-setting search.

The public nearest lookup (:mod:`geo.stations.nearest_table`) answers most requests from
this table instead of a Dijkstra per request. For every node ``x`` of the
:class:`~geo.network.graph.Graph` it holds up to ``k`` stations ``s`` with the walking
metres ``D(x, s)`` from the node to the station, offset included::

    D(x, s) = min(d(x, u_s) + along_s, d(x, v_s) + (length - along_s)) + offset_s

where ``u_s``/``v_s`` are the end nodes of the station's edge and ``d`` the network
distance on the same arcs every other search uses (:attr:`Graph.arcs`). Entries are in
increasing distance; a node with fewer than ``k`` entries lists every station it can
reach. So a station absent from a full list is at least as far as the list's last entry.

The search is one priority queue of (metres, node, station) labels seeded at both ends of
every station's edge; a node keeps the first ``k`` distinct stations popped for it. With
``n`` nodes and ``m`` arcs it settles at most ``k * n`` labels and relaxes at most
``k * m`` arcs. The kernel is compiled by numba (``cache=True``: once per machine).

Everything is flat numpy (``dist``: ``n * k`` float64, ``station``: ``n * k`` int32,
``count``: ``n`` int32), so a table can be written to disk or memory-mapped as it is.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from geo.network.graph import Graph, Snap

Floats = NDArray[np.float64]
Index = int | np.integer[Any]


@dataclass(frozen=True)
class NearestTable:
    """Up to ``k`` nearest stations of every node (station indices into the snaps the
    table was built from), nearest first."""

    k: int
    dist: Floats  # (n_nodes * k), inf past count
    station: NDArray[np.int32]  # (n_nodes * k), -1 past count
    count: NDArray[np.int32]  # (n_nodes,)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return int(self.dist.nbytes + self.station.nbytes + self.count.nbytes)

    def of(self, node: int) -> tuple[Floats, NDArray[np.int32], float]:
        """One node's list (metres, stations) and the least metres of any station not in
        it (its last entry when the list is full; ``inf``: every reachable one is in it)."""
        n = int(self.count[node])
        lo = node * self.k
        dist = self.dist[lo : lo + n]
        bound = float(dist[-1]) if n == self.k else np.inf
        return dist, self.station[lo : lo + n], bound


@numba.njit(cache=True, nogil=True)
def _listed(  # pragma: no cover - compiled
    station: NDArray[np.int32], lo: Index, count: Index, s: Index
) -> bool:
    """Whether station ``s`` is among the ``count`` entries of a node's list at ``lo``."""
    for j in range(count):  # noqa: SIM110 - numba compiles this loop, not a generator
        if station[lo + j] == s:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def _k_nearest(  # pragma: no cover - compiled
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    weight: Floats,
    seed_node: NDArray[np.int64],
    seed_dist: Floats,
    seed_station: NDArray[np.int64],
    n_nodes: int,
    k: int,
) -> tuple[Floats, NDArray[np.int32], NDArray[np.int32]]:
    dist = np.full(n_nodes * k, np.inf)
    station = np.full(n_nodes * k, -1, dtype=np.int32)
    count = np.zeros(n_nodes, dtype=np.int32)
    heap = [(0.0, np.int64(0), np.int64(0))]
    heap.pop()
    for i in range(seed_node.size):
        heap.append((seed_dist[i], seed_node[i], seed_station[i]))
    heapq.heapify(heap)
    while heap:
        d, x, s = heapq.heappop(heap)
        c = count[x]
        if c >= k:
            continue
        lo = x * k
        if _listed(station, lo, c, s):
            continue
        dist[lo + c] = d
        station[lo + c] = s
        count[x] = c + 1
        for a in range(indptr[x], indptr[x + 1]):
            y = indices[a]
            cy = count[y]
            if cy >= k:
                continue
            if not _listed(station, y * k, cy, s):
                heapq.heappush(heap, (d + weight[a], y, s))
    return dist, station, count


def build(graph: Graph, stations: Snap, k: int) -> NearestTable:
    """The table of ``graph`` for snapped ``stations`` (those on no edge are left out)."""
    on = np.flatnonzero(stations.edge >= 0)
    edge = stations.edge[on]
    u, v = graph.source[edge], graph.target[edge]
    to_u = stations.offset[on] + stations.along[on]
    to_v = stations.offset[on] + (graph.length[edge] - stations.along[on])
    indptr, indices, weight = graph.arcs
    if graph.n_nodes == 0:
        z = np.zeros(0)
        return NearestTable(k, z, z.astype(np.int32), np.zeros(0, dtype=np.int32))
    dist, station, count = _k_nearest(
        indptr.astype(np.int64),
        indices.astype(np.int64),
        weight.astype(np.float64),
        np.r_[u, v].astype(np.int64),
        np.r_[to_u, to_v].astype(np.float64),
        np.r_[on, on].astype(np.int64),
        int(graph.n_nodes),
        int(k),
    )
    return NearestTable(int(k), dist, station, count)
