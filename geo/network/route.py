"""The walking path between two snapped points: the line behind a walking distance.

:func:`geo.network.graph.walking_m` measures a walk as

    offset(A) + part of A's edge to a node + shortest path + part of B's edge + offset(B)

(or, on the same edge, the stretch between the two foot points). :func:`walk_path` follows
the same search and returns that walk as a line, with its length summed from the same
parts, so the line drawn on the map is the distance the list shows (#14). Lengths are the
edges' stored geodesic metres split at the foot points, as everywhere in the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from geo.network.walk import WalkNetwork

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class WalkPath:
    """A walk along the network: WGS-84 (lon, lat) vertices and its length in metres."""

    coords: list[tuple[float, float]]
    length_m: float


def _part(line: shapely.LineString, start: float, end: float) -> list[tuple[float, float]]:
    """The vertices of ``line`` from fraction ``start`` to fraction ``end`` (reversed
    when ``end < start``)."""
    if start == end:
        point = line.interpolate(start, normalized=True)
        return [(point.x, point.y)]
    piece = substring(line, start, end, normalized=True)
    return [(float(x), float(y)) for x, y in shapely.get_coordinates(piece)]


def _edge_between(net: WalkNetwork, a: int, b: int) -> int:
    """The lightest edge joining nodes ``a`` and ``b`` (the one the search walked)."""
    g = net.graph
    found = np.flatnonzero(
        ((g.source == a) & (g.target == b)) | ((g.source == b) & (g.target == a))
    )
    return int(found[np.argmin(g.length[found])])


def _node_path(pred: NDArray[np.int32], start: int, end: int) -> list[int]:
    """Nodes from ``start`` to ``end`` along a Dijkstra predecessor row."""
    nodes = [end]
    while nodes[-1] != start:
        nodes.append(int(pred[nodes[-1]]))
    return nodes[::-1]


def walk_path(
    net: WalkNetwork,
    origin: tuple[float, float],
    target: tuple[float, float],
) -> WalkPath | None:
    """The shortest walk from ``origin`` to ``target`` (WGS-84 lon, lat) through the
    network, snaps included; None when the network does not connect them.

    The figure is the one :meth:`WalkNetwork.walking_m` gives for the same two points (a
    test checks this); the rule for points closer to each other than to the street
    (:mod:`geo.network.straight`) is the caller's, as in the nearest lookup.
    """
    g = net.graph
    snaps = net.snap([origin[0], target[0]], [origin[1], target[1]])
    if (snaps.edge < 0).any():
        return None
    e0, e1 = int(snaps.edge[0]), int(snaps.edge[1])
    a0, a1 = float(snaps.along[0]), float(snaps.along[1])
    len0, len1 = float(g.length[e0]), float(g.length[e1])
    f0 = a0 / len0 if len0 > 0 else 0.0
    f1 = a1 / len1 if len1 > 0 else 0.0
    ends0 = (int(g.source[e0]), int(g.target[e0]))
    ends1 = (int(g.source[e1]), int(g.target[e1]))
    dist, pred = dijkstra(g.matrix, directed=True, indices=list(ends0), return_predecessors=True)
    start_part = (a0, len0 - a0)  # to the source end, to the target end
    end_part = (a1, len1 - a1)  # from the source end, from the target end
    costs = np.array(
        [[start_part[i] + dist[i, ends1[j]] + end_part[j] for j in (0, 1)] for i in (0, 1)]
    )
    i, j = np.unravel_index(int(np.argmin(costs)), costs.shape)
    best = float(costs[i, j])
    line0, line1 = net.edge_geom[e0], net.edge_geom[e1]
    if e0 == e1 and abs(a1 - a0) <= best:
        metric = _part(line0, f0, f1)
        along = abs(a1 - a0)
    elif not np.isfinite(best):
        return None
    else:
        nodes = _node_path(pred[i], ends0[i], ends1[j])
        metric = _part(line0, f0, float(i))
        for a, b in zip(nodes, nodes[1:], strict=False):
            e = _edge_between(net, a, b)
            coords = shapely.get_coordinates(net.edge_geom[e])
            if int(g.source[e]) != a:
                coords = coords[::-1]
            metric.extend((float(x), float(y)) for x, y in coords)
        metric.extend(_part(line1, float(j), f1))
        along = best
    xy = np.array(
        [net.to_metric.transform(*origin), *metric, net.to_metric.transform(*target)],
        dtype=float,
    )
    back = Transformer.from_crs(net.epsg, 4326, always_xy=True)
    lon, lat = back.transform(xy[:, 0], xy[:, 1])
    coords = _dedupe(list(zip(np.asarray(lon).tolist(), np.asarray(lat).tolist(), strict=True)))
    return WalkPath(coords, float(snaps.offset[0]) + along + float(snaps.offset[1]))


def _dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop consecutive repeated vertices (edge ends meet at shared nodes)."""
    out = coords[:1]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    return out if len(out) > 1 else out * 2
