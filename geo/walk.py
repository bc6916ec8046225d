"""Walking distances along the walk network.

The network (``walk_edges``) is loaded from PostGIS once per process into a
:class:`WalkNetwork`: an undirected ``scipy.sparse`` graph of the nodes plus the edges in
a local metric projection with an ``STRtree``. It is cached per database and reloaded
when :func:`geo.db.walk.version` changes (any change to ``walk_edges``, such as a street
import, gives the network a new version token in the same transaction).

A walking distance from a point A to a point B is exact along the network:

    snap(A) + partial edge from A's foot point to a node + shortest path
            + partial edge from a node to B's foot point + snap(B)

where snap is the straight distance to the nearest walk edge and the partial lengths are
the edge's stored geodesic length split at the foot point. When A and B snap onto the same
edge the direct way along it counts too. One bounded Dijkstra from the two ends of A's
edge serves every B at once.

Snapping is a pure function of a position and the network, so the snaps of station
positions are remembered per network (:meth:`WalkNetwork.snap_remembered`): the same
stations come back request after request.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.crs import utm_epsg
from geo.db import walk as walk_db

# Remembered station snaps per network; beyond this many positions the memory starts over.
MAX_REMEMBERED_SNAPS = 500_000


@dataclass(frozen=True)
class Snaps:
    """Where points meet the network: edge index, metres from the edge's source node
    along it, and the straight snapping distance in metres."""

    edge: NDArray[np.intp]
    along_m: NDArray[np.float64]
    snap_m: NDArray[np.float64]


@dataclass
class WalkNetwork:
    """The walk network in memory: graph, metric edge geometries and their index."""

    version: str
    graph: csr_matrix
    edge_u: NDArray[np.intp]
    edge_v: NDArray[np.intp]
    edge_length_m: NDArray[np.float64]
    edges_metric: NDArray[np.object_]
    tree: shapely.STRtree
    to_metric: Transformer
    _snaps: dict[tuple[float, float], tuple[int, float, float]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def from_edges(cls, rows: list[dict[str, Any]], version: str) -> WalkNetwork:
        """Build the network from ``walk_edges`` rows (see :func:`geo.db.walk.edges`)."""
        source = np.array([r["source"] for r in rows], dtype=np.int64)
        target = np.array([r["target"] for r in rows], dtype=np.int64)
        length = np.array([r["length_m"] for r in rows], dtype=np.float64)
        geoms = shapely.from_wkb([bytes(r["wkb"]) for r in rows])
        node_ids, inverse = np.unique(np.concatenate([source, target]), return_inverse=True)
        u, v = inverse[: len(rows)], inverse[len(rows) :]
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        to_metric = Transformer.from_crs(4326, utm_epsg(cx, cy), always_xy=True)
        metric = shapely.transform(geoms, lambda xy: np.column_stack(to_metric.transform(*xy.T)))
        return cls(
            version=version,
            graph=_graph(u, v, length, len(node_ids)),
            edge_u=u,
            edge_v=v,
            edge_length_m=length,
            edges_metric=metric,
            tree=shapely.STRtree(metric),
            to_metric=to_metric,
        )

    def snap(self, lon: ArrayLike, lat: ArrayLike) -> Snaps:
        """Snap WGS-84 points onto their nearest walk edges."""
        x, y = self.to_metric.transform(np.atleast_1d(lon), np.atleast_1d(lat))
        points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        _, edge = self.tree.query_nearest(points, all_matches=False)
        lines = self.edges_metric[edge]
        line_len = shapely.length(lines)
        share = np.divide(
            shapely.line_locate_point(lines, points),
            line_len,
            out=np.zeros_like(line_len),
            where=line_len > 0,
        )
        return Snaps(
            edge=edge,
            along_m=share * self.edge_length_m[edge],
            snap_m=shapely.distance(lines, points),
        )

    def snap_remembered(self, lon: Sequence[float], lat: Sequence[float]) -> Snaps:
        """:meth:`snap` for station positions, remembering each position's snap."""
        keys = list(zip(lon, lat, strict=True))
        memory = self._snaps
        missing = [k for k in keys if k not in memory]
        if missing:
            if len(memory) + len(missing) > MAX_REMEMBERED_SNAPS:
                memory.clear()
            new = self.snap([k[0] for k in missing], [k[1] for k in missing])
            memory.update(
                zip(
                    missing,
                    zip(new.edge.tolist(), new.along_m.tolist(), new.snap_m.tolist(), strict=True),
                    strict=True,
                )
            )
        # A concurrent clear() may drop what was just added: snap those again.
        known = [memory.get(k) for k in keys]
        if any(v is None for v in known):
            return self.snap(lon, lat)
        edge, along, snap = zip(*known, strict=True) if known else ((), (), ())
        return Snaps(
            edge=np.array(edge, dtype=np.intp),
            along_m=np.array(along, dtype=np.float64),
            snap_m=np.array(snap, dtype=np.float64),
        )

    def walking_m(self, origin: Snaps, targets: Snaps, limit_m: float) -> NDArray[np.float64]:
        """Walking metres from one snapped origin to each snapped target.

        Targets farther than ``limit_m`` (or unreachable) get ``inf``.
        """
        e = int(origin.edge[0])
        a = float(origin.along_m[0])
        b = float(self.edge_length_m[e] - a)
        budget = max(limit_m - float(origin.snap_m[0]), 0.0)
        ends = [int(self.edge_u[e]), int(self.edge_v[e])]
        dist = dijkstra(self.graph, directed=True, indices=ends, limit=budget)
        from_origin = np.minimum(a + dist[0], b + dist[1])
        te = targets.edge
        ta = targets.along_m
        tb = self.edge_length_m[te] - ta
        walk = np.minimum(from_origin[self.edge_u[te]] + ta, from_origin[self.edge_v[te]] + tb)
        walk = np.where(te == e, np.minimum(walk, np.abs(ta - a)), walk)
        total = walk + targets.snap_m + origin.snap_m[0]
        return np.where(total <= limit_m, total, np.inf)


def _graph(
    u: NDArray[np.intp], v: NDArray[np.intp], length: NDArray[np.float64], n: int
) -> csr_matrix:
    """Undirected graph keeping the shortest of parallel edges and no self-loops, stored
    symmetric (both directions) so that Dijkstra need not transpose it on every call."""
    keep = u != v
    lo, hi, w = np.minimum(u, v)[keep], np.maximum(u, v)[keep], length[keep]
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    # A zero-length edge must stay an edge: csgraph reads explicit zeros as "no edge".
    w = np.maximum(w[first], 1e-9)
    lo, hi = lo[first], hi[first]
    return csr_matrix((np.r_[w, w], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n))


_cache: dict[str, tuple[str, WalkNetwork | None]] = {}
_lock = threading.Lock()


def _key(conn: psycopg.Connection[Any]) -> str:
    info = conn.info
    return f"{info.host}:{info.port}/{info.dbname}"


def load(conn: psycopg.Connection[Any]) -> WalkNetwork | None:
    """The walk network of the connected database (cached per process), or None when
    none is loaded. Reloaded when the network's version changes.

    The version is read before the edges: edges newer than the version they are cached
    under are only reloaded once more on the next request, never served stale.
    """
    version = walk_db.version(conn)
    key = _key(conn)
    cached = _cache.get(key)
    if cached is None or cached[0] != version:
        with _lock:
            cached = _cache.get(key)
            if cached is None or cached[0] != version:
                rows = walk_db.edges(conn)
                cached = (version, WalkNetwork.from_edges(rows, version) if rows else None)
                _cache[key] = cached
    return cached[1]
