"""Which candidate reaches which demand unit within D metres of walking: the distance
table of a siting problem, computed on the walk network the way coverage measures.

A demand unit lies on one walk edge: a stretch ``[lo, hi]`` metres along it (a piece of a
main street, ``offset`` 0), or a point snapped onto it (a cell centre or a sample of a
main street off the network: ``lo == hi == along`` and ``offset`` its snapping distance).
A candidate is snapped onto the network like a station (:class:`geo.network.graph.Snap`).

The walking distance from a candidate to a position ``x`` on edge ``(u, v, len)`` is, as
in :mod:`geo.coverage.engine`, ``min(d(u) + x, d(v) + len - x, offset_c + |x - along_c|)``
(the last term only when the candidate is snapped onto that edge itself). A unit counts
as covered by the candidate when its **farthest** point is within D; that maximum is found
exactly, since the minimum of slope ±1 pieces peaks only at the ends of the stretch or
where a rising piece meets a falling one. So a covered unit is covered whole: building
every site of a plan covers every unit the plan says it covers. A point unit and a
candidate closer to each other than to the street walk the straight line between them
(:mod:`geo.network.straight`, the rule coverage and the nearest lookup use too).

Node distances come from :func:`geo.network.graph.node_distances` (scipy's Dijkstra with
``limit = D`` from one virtual node per candidate), for a batch of candidates at a time:
the dense (batch × nodes) answer is the memory cost, hence the batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from geo.network.graph import Graph, Snap, local_node_distances
from geo.network.straight import straight_pairs

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

# Knife edges, where a unit lies exactly at D (aligned grids do that): a site built from
# its WGS-84 position lands within micrometres of the candidate, so the engine may then
# find the unit at D ± 1e-10 m. A stretch is counted with a millimetre to spare (at worst
# a millimetre of it stays open); a point (cell centre) only with a millimetre inside D,
# since missing it would lose a whole cell. Counted coverage is then coverage built.
_TOLERANCE = 1e-3


@dataclass(frozen=True)
class EdgeDemand:
    """Demand units on walk edges (``edge`` -1: on no edge, never reachable)."""

    edge: Ints
    lo: Floats
    hi: Floats
    offset: Floats
    #: Metric position (n x 2) of each point unit, NaN for stretches; None: not known,
    #: and the straight-line rule is not applied.
    xy: Floats | None = None

    def __len__(self) -> int:
        return int(self.edge.size)


@dataclass(frozen=True)
class DistanceTable:
    """(demand, candidate) pairs within the limit and the farthest walking distance."""

    demand: Ints
    candidate: Ints
    distance: Floats


def distance_table(  # noqa: PLR0913
    graph: Graph,
    candidates: Snap,
    demand: EdgeDemand,
    limit: float,
    *,
    candidate_xy: Floats | None = None,
    batch: int = 128,
) -> DistanceTable:
    """Every (demand unit, candidate) pair whose farthest point is within ``limit``.

    With ``candidate_xy`` and ``demand.xy`` (metric positions), a point unit and a
    candidate closer to each other than to the street walk the straight line between
    them (the rule of :mod:`geo.network.straight`, as coverage measures). A stretch of a
    walk edge gains nothing from it: no point of an edge is closer to a candidate than
    the candidate's own offset.
    """
    table = _network_table(graph, candidates, demand, limit, batch)
    if candidate_xy is None or demand.xy is None:
        return table
    point = demand.hi <= demand.lo
    d_xy = np.where(point[:, None], demand.xy, np.nan)
    c, u, d = straight_pairs(candidate_xy, candidates.offset, d_xy, demand.offset, limit)
    if c.size == 0:
        return table
    return _min_per_pair(
        DistanceTable(np.r_[table.demand, u], np.r_[table.candidate, c], np.r_[table.distance, d])
    )


def _min_per_pair(t: DistanceTable) -> DistanceTable:
    """One row per (demand, candidate) pair, the shortest distance."""
    order = np.lexsort((t.distance, t.candidate, t.demand))
    dem, cand, dist = t.demand[order], t.candidate[order], t.distance[order]
    first = np.r_[True, (dem[1:] != dem[:-1]) | (cand[1:] != cand[:-1])]
    return DistanceTable(dem[first], cand[first], dist[first])


def _network_table(
    graph: Graph, candidates: Snap, demand: EdgeDemand, limit: float, batch: int
) -> DistanceTable:
    """The pairs within ``limit`` through the snaps and the network."""
    parts: list[DistanceTable] = []
    usable = np.flatnonzero((candidates.edge >= 0) & (candidates.offset <= limit))
    on_edge = demand.edge >= 0
    if usable.size == 0 or not on_edge.any() or graph.n_edges == 0:
        return _empty()
    # demand grouped by edge, and the demand edges incident to each node
    order = np.flatnonzero(on_edge)[np.argsort(demand.edge[on_edge], kind="stable")]
    d_edge = demand.edge[order]
    edges = np.unique(d_edge)
    incidence = _incidence(graph, edges)
    for start in range(0, usable.size, batch):
        chunk = usable[start : start + batch]
        parts.append(_batch(graph, candidates, chunk, demand, order, d_edge, incidence, limit))
    return DistanceTable(
        np.concatenate([p.demand for p in parts]),
        np.concatenate([p.candidate for p in parts]),
        np.concatenate([p.distance for p in parts]),
    )


def _empty() -> DistanceTable:
    return DistanceTable(np.array([], np.int64), np.array([], np.int64), np.array([], float))


def _incidence(graph: Graph, edges: Ints) -> csr_matrix:
    """Node × edge incidence (CSR) of the given edges only."""
    rows = np.r_[graph.source[edges], graph.target[edges]]
    cols = np.r_[edges, edges]
    m = csr_matrix(
        (np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(graph.n_nodes, graph.n_edges)
    )
    m.sum_duplicates()
    return m


def _batch(
    graph: Graph,
    candidates: Snap,
    chunk: Ints,
    demand: EdgeDemand,
    order: Ints,
    d_edge: Ints,
    incidence: csr_matrix,
    limit: float,
) -> DistanceTable:
    cand = Snap(candidates.edge[chunk], candidates.along[chunk], candidates.offset[chunk])
    dist, reached, column = local_node_distances(graph, cand, limit)
    # (candidate, demand edge) pairs: an end node within reach, or the candidate's own edge
    c_idx, local = np.nonzero(np.isfinite(dist))
    node = reached[local]
    hits = (
        csr_matrix(
            (np.ones(c_idx.size, dtype=np.int8), (c_idx, node)), shape=(chunk.size, graph.n_nodes)
        )
        @ incidence
    )
    pc, pe = hits.nonzero()
    own = np.isin(cand.edge, d_edge)
    pc = np.r_[pc, np.flatnonzero(own)]
    pe = np.r_[pe, cand.edge[own]]
    pair = np.unique(np.column_stack([pc, pe]), axis=0) if pc.size else np.empty((0, 2), int)
    pc, pe = pair[:, 0].astype(np.int64), pair[:, 1].astype(np.int64)
    # expand to the demand units on each pair's edge
    first = np.searchsorted(d_edge, pe, side="left")
    count = np.searchsorted(d_edge, pe, side="right") - first
    rep = np.repeat(np.arange(pc.size), count)
    k = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    unit = order[first[rep] + k]
    c = pc[rep]
    e = pe[rep]
    far = demand.offset[unit] + _farthest(
        dist[c, column[graph.source[e]]],
        dist[c, column[graph.target[e]]],
        graph.length[e],
        np.where(cand.edge[c] == e, cand.along[c], 0.0),
        np.where(cand.edge[c] == e, cand.offset[c], np.inf),
        demand.lo[unit],
        demand.hi[unit],
    )
    stretch = demand.hi[unit] > demand.lo[unit]
    keep = far <= limit + np.where(stretch, _TOLERANCE, -_TOLERANCE)
    return DistanceTable(unit[keep], chunk[c[keep]], np.minimum(far[keep], limit))


def _farthest(
    du: Floats, dv: Floats, length: Floats, a: Floats, off: Floats, lo: Floats, hi: Floats
) -> Floats:
    """The largest walking distance over ``[lo, hi]`` on an edge, given the distances of
    its ends and (``off`` finite) a candidate snapped onto the edge at ``a``."""
    with np.errstate(invalid="ignore"):
        peaks = [
            lo,
            hi,
            (dv + length - du) / 2,  # rising via u meets falling via v
            (off + a - du) / 2,  # rising via u meets falling towards the candidate
            (dv + length - off + a) / 2,  # rising away from the candidate meets via v
        ]
        best = np.full(lo.size, -np.inf)
        for x in peaks:
            x = np.clip(np.where(np.isnan(x), lo, x), lo, hi)
            g = np.minimum(np.minimum(du + x, dv + length - x), off + np.abs(x - a))
            best = np.maximum(best, g)
    return best
