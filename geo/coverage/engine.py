"""What a set of stations covers along the walk network, from one shortest-path pass.

Everything here is plain numpy on arrays; no database, no geometry. The graph, the
snapped points and the one multi-source Dijkstra (:func:`geo.network.graph.reach`) are
in :mod:`geo.network.graph`. From its node distances ``d`` follow, exactly:

* the covered part of edge (u, v, len): ``[0, D - d(u)]`` from u, ``[len - (D - d(v)),
  len]`` from v, and ``[along - r, along + r]`` (``r = D - offset``) for each station
  snapped onto the edge itself, whose reach runs along the edge both ways;
* the walking distance of a snapped point: ``offset + min(d(u) + along,
  d(v) + len - along, |along - along_s| + offset_s for stations s on the same edge)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo.network.graph import Reach, Snap

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Intervals:
    """Disjoint intervals ``[lo, hi]`` in metres along edges, sorted by edge then lo."""

    edge: Ints
    lo: Floats
    hi: Floats

    def length_per_edge(self, n_edges: int) -> Floats:
        """Covered metres of each of ``n_edges`` edges."""
        per_edge = np.bincount(self.edge, weights=self.hi - self.lo, minlength=n_edges)
        return np.asarray(per_edge, dtype=np.float64)


def covered_intervals(r: Reach, edges: Ints | None = None) -> Intervals:
    """The covered stretches of ``edges`` (default: all), merged per edge.

    An edge is covered on ``[0, D - d(u)]`` from its source, on ``[len - (D - d(v)), len]``
    from its target and around every station snapped onto it; the union is returned.
    Edges without a station (nearly all) are solved in closed form; the few with one go
    through the general interval union.
    """
    g = r.graph
    edges = np.arange(g.n_edges) if edges is None else np.asarray(edges, dtype=np.int64)
    length = g.length[edges]
    p = np.clip(r.limit - r.node_distance[g.source[edges]], 0.0, length)  # [0, p]
    q = np.clip(length - (r.limit - r.node_distance[g.target[edges]]), 0.0, length)  # [q, len]
    has_station = np.zeros(g.n_edges, dtype=bool)
    has_station[r.stations.edge] = True
    plain = ~has_station[edges]
    whole = plain & (p >= q)
    # closed form: one interval when the two ends meet, else up to two
    lo = np.column_stack([np.zeros(len(edges)), np.where(whole, length, q)])
    hi = np.column_stack([np.where(whole, length, p), length])
    keep = plain[:, None] & (hi > lo)
    keep[:, 1] &= ~whole
    edge2 = np.repeat(edges, 2).reshape(-1, 2)
    simple = Intervals(edge2[keep], lo[keep], hi[keep])
    # general case: edges that carry a station
    mixed = ~plain
    pos = np.full(g.n_edges, -1, dtype=np.int64)
    pos[edges[mixed]] = np.flatnonzero(mixed)
    st = r.stations.take(pos[r.stations.edge] >= 0)
    span = r.limit - st.offset
    cap = g.length[st.edge]
    e_m = edges[mixed]
    cand_edge = np.r_[e_m, e_m, st.edge]
    cand_lo = np.r_[np.zeros(e_m.size), q[mixed], np.clip(st.along - span, 0.0, cap)]
    cand_hi = np.r_[p[mixed], length[mixed], np.clip(st.along + span, 0.0, cap)]
    ok = cand_hi > cand_lo
    general = merge(cand_edge[ok], cand_lo[ok], cand_hi[ok])
    all_edge = np.r_[simple.edge, general.edge]
    order = np.argsort(all_edge, kind="stable")
    return Intervals(
        all_edge[order], np.r_[simple.lo, general.lo][order], np.r_[simple.hi, general.hi][order]
    )


def merge(edge: Ints, lo: Floats, hi: Floats) -> Intervals:
    """Union of possibly overlapping intervals, per edge (vectorised)."""
    if edge.size == 0:
        return Intervals(edge.astype(np.int64), lo.astype(float), hi.astype(float))
    order = np.lexsort((lo, edge))
    edge, lo, hi = edge[order], lo[order], hi[order]
    # Shift each edge's values past all earlier edges' so one running maximum works.
    span = float(max(hi.max(), 0.0)) + 1.0
    shift = edge.astype(np.float64) * span
    run_max = np.maximum.accumulate(hi + shift) - shift
    new_edge = np.r_[True, edge[1:] != edge[:-1]]
    starts = new_edge | np.r_[True, lo[1:] > run_max[:-1]]
    first = np.flatnonzero(starts)
    return Intervals(edge[first], lo[first], np.maximum.reduceat(hi, first))


def complement(cov: Intervals, edges: Ints, length: Floats) -> Intervals:
    """The uncovered stretches of ``edges`` (lengths ``length``) given covered ``cov``."""
    edges = np.asarray(edges, dtype=np.int64)
    pos = np.full(int(max(edges.max(initial=-1), cov.edge.max(initial=-1))) + 1, -1)
    pos[edges] = np.arange(len(edges))
    idx = pos[cov.edge]
    cov = Intervals(cov.edge[idx >= 0], cov.lo[idx >= 0], cov.hi[idx >= 0])
    idx = idx[idx >= 0]
    # Gap before each covered interval (from the previous one's end or 0), and the tail.
    k = cov.edge.size
    new_edge = np.r_[True, cov.edge[1:] != cov.edge[:-1]][:k]
    prev_hi = np.where(new_edge, 0.0, np.r_[0.0, cov.hi[:-1]][:k])
    last = np.r_[cov.edge[1:] != cov.edge[:-1], True][:k]
    has_cov = np.zeros(len(edges), dtype=bool)
    has_cov[idx] = True
    edge = np.r_[cov.edge, cov.edge[last], edges[~has_cov]]
    lo = np.r_[prev_hi, cov.hi[last], np.zeros(int((~has_cov).sum()))]
    hi = np.r_[cov.lo, length[idx[last]], length[~has_cov]]
    keep = hi > lo
    order = np.lexsort((lo[keep], edge[keep]))
    return Intervals(edge[keep][order], lo[keep][order], hi[keep][order])


def point_distances(r: Reach, points: Snap) -> Floats:
    """Walking distance of each snapped point from its nearest station (inf: none within
    the limit, or the point is on no edge)."""
    g = r.graph
    out = np.full(points.edge.size, np.inf)
    on = points.edge >= 0
    e = points.edge[on]
    along = points.along[on]
    via_nodes = np.minimum(
        r.node_distance[g.source[e]] + along,
        r.node_distance[g.target[e]] + (g.length[e] - along),
    )
    out[on] = points.offset[on] + via_nodes
    if r.stations.edge.size:
        out[on] = np.minimum(out[on], points.offset[on] + _same_edge(r.stations, e, along))
    return out


def _same_edge(stations: Snap, edge: Ints, along: Floats) -> Floats:
    """Distance along the edge itself to the nearest station snapped onto that edge."""
    order = np.argsort(stations.edge, kind="stable")
    s_edge = stations.edge[order]
    first = np.searchsorted(s_edge, edge, side="left")
    count = np.searchsorted(s_edge, edge, side="right") - first
    best = np.full(edge.size, np.inf)
    has = np.flatnonzero(count)
    if has.size == 0:
        return best
    point = np.repeat(has, count[has])
    offsets = np.arange(point.size) - np.repeat(np.cumsum(count[has]) - count[has], count[has])
    s = order[first[point] + offsets]
    cost = stations.offset[s] + np.abs(stations.along[s] - along[point])
    np.minimum.at(best, point, cost)
    return best
