"""The walk network in memory, its metric projection, snapping, and the per-process cache.

The network (``walk_edges``, read by :func:`geo.network.sql.edges`) is loaded from
PostGIS once per process into a :class:`WalkNetwork`: the :class:`~geo.network.graph.Graph`
of its nodes plus the edges in the network's metric projection (:func:`metric_epsg`) with
an ``STRtree``. It is cached per database and reloaded when :func:`geo.network.sql.version`
changes (any change to ``walk_edges``, such as a street import, gives the network a new
version token in the same transaction). Its arrays are written once per version into
the cache folder (:mod:`geo.network.netcache`, ``YIZHAN_CACHE_DIR``) and memory-mapped
by every process, so the workers of ``yizhan serve`` share one copy in the page cache
(:meth:`WalkNetwork.from_arrays`, snapping on a :class:`~geo.network.segments.SegmentGrid`);
``YIZHAN_NETWORK_CACHE=false`` builds one in-memory copy per process instead
(:meth:`WalkNetwork.from_edges`: shapely lines and an ``STRtree``), with the same answers.

A walking distance from a point A to a point B is exact along the network:

    snap(A) + partial edge from A's foot point to a node + shortest path
            + partial edge from a node to B's foot point + snap(B)

where snap is the straight distance to the nearest walk edge and the partial lengths are
the edge's stored geodesic length split at the foot point (see :mod:`geo.network.graph`);
except where A and B are closer to each other than to the street (``|AB| <= snap(A) +
snap(B)``): then the walk is the straight line (:mod:`geo.network.straight`).

Snapping is a pure function of a position and the network, so the snaps of station
positions are remembered per network (:meth:`WalkNetwork.snap_remembered`): the same
stations come back request after request.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

from geo.crs import utm_epsg
from geo.network import graph as graph_mod
from geo.network import netcache, sql
from geo.network.graph import Graph, Snap
from geo.network.segments import EdgeLines, Lines, SegmentGrid
from geo.settings import get_settings

log = logging.getLogger(__name__)

Geoms = NDArray[np.object_]
Floats = NDArray[np.float64]

# Remembered station snaps per network; beyond this many positions the memory starts over.
MAX_REMEMBERED_SNAPS = 500_000


def metric_epsg(geoms: Geoms) -> int:
    """The metric CRS of a network (or any WGS-84 geometries): the UTM zone of the centre
    of their bounding box. Every metric figure of a network is computed in it."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return utm_epsg(float((xmin + xmax) / 2), float((ymin + ymax) / 2))


def snap(
    points: Geoms, lines: Geoms, length_m: Floats, tree: shapely.STRtree | None = None
) -> Snap:
    """Each point's nearest line: index (-1 for a missing point), metres along it (in the
    line's own ``length_m``, from its first vertex) and the straight-line distance."""
    points = np.asarray(points, dtype=object)
    tree = tree or shapely.STRtree(lines)
    edge = np.full(len(points), -1, dtype=np.int64)
    offset = np.full(len(points), np.inf)
    along = np.zeros(len(points))
    if len(points) == 0 or len(lines) == 0:
        return Snap(edge, along, offset)
    (pi, li), dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    edge[pi] = li
    offset[pi] = dist
    frac = shapely.line_locate_point(lines[li], points[pi], normalized=True)
    along[pi] = np.clip(frac, 0.0, 1.0) * length_m[li]
    return Snap(edge, along, offset)


@dataclass
class WalkNetwork:
    """The walk network in memory: graph, metric edge geometries and their index.

    Built two ways with the same answers: :meth:`from_edges` keeps one shapely line per
    edge and an ``STRtree`` (every process its own copy); :meth:`from_arrays` keeps flat
    arrays (memory-mapped from the cache folder by :func:`load`, shared by the workers)
    and snaps with a :class:`~geo.network.segments.SegmentGrid`, building shapely lines
    (:attr:`edge_geom`) and the ``STRtree`` (:attr:`tree`) only when asked for.
    """

    version: str
    epsg: int
    graph: Graph
    geoms: Geoms | EdgeLines  # metric (EPSG ``epsg``)
    street_id: NDArray[np.int64]  # street of each edge, -1: none
    to_metric: Transformer
    grid: SegmentGrid | None = None  # None: snapped with the STRtree
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _snaps: dict[tuple[float, float], tuple[int, float, float]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def from_edges(cls, edges: dict[str, Any], version: str) -> WalkNetwork:
        """Build the network from the arrays of :func:`geo.network.sql.edges`."""
        epsg, metric = _metric(edges["geom"])
        graph = Graph.from_ids(edges["source"], edges["target"], edges["length_m"])
        graph.arcs  # noqa: B018 -- built once here, not on the first request
        graph.node_piece  # noqa: B018 -- likewise
        return cls(
            version=version,
            epsg=epsg,
            graph=graph,
            geoms=metric,
            street_id=edges["street_id"],
            to_metric=Transformer.from_crs(4326, epsg, always_xy=True),
            _tree=shapely.STRtree(metric),
        )

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]], version: str) -> WalkNetwork:
        """The network from :func:`network_arrays` (in memory or memory-mapped)."""
        epsg = int(arrays["epsg"][0])
        graph = Graph.from_arrays(arrays)
        lines = Lines(arrays["line_x"], arrays["line_y"], arrays["line_start"])
        return cls(
            version=version,
            epsg=epsg,
            graph=graph,
            geoms=EdgeLines(lines),
            street_id=arrays["street_id"],
            to_metric=Transformer.from_crs(4326, epsg, always_xy=True),
            grid=SegmentGrid.from_arrays(lines, arrays),
        )

    @property
    def edge_geom(self) -> Geoms | EdgeLines:
        """Each edge's metric line (``edge_geom[e]``, also for an index array)."""
        return self.geoms

    @property
    def tree(self) -> shapely.STRtree:
        """An ``STRtree`` of :attr:`edge_geom` (built on first use by an array network)."""
        if self._tree is None:
            with _lock:
                if self._tree is None:
                    self._tree = shapely.STRtree(np.asarray(self.geoms))
        return self._tree

    @property
    def edge_length(self) -> Floats:
        """Geodesic metres of each edge (as stored)."""
        return self.graph.length

    def snap_points(self, points: Geoms) -> Snap:
        """Snap metric points (EPSG :attr:`epsg`) onto their nearest walk edges."""
        if self.grid is None:
            return snap(points, np.asarray(self.geoms), self.graph.length, self.tree)
        points = np.asarray(points, dtype=object)
        return self._snap_xy(shapely.get_x(points), shapely.get_y(points))

    def _snap_xy(self, px: Floats, py: Floats) -> Snap:
        assert self.grid is not None
        edge, frac, offset = self.grid.snap(px, py)
        length = self.graph.length[np.maximum(edge, 0)]
        along = np.where(edge >= 0, np.clip(frac, 0.0, 1.0) * length, 0.0)
        return Snap(edge, along, offset)

    def snap(self, lon: ArrayLike, lat: ArrayLike) -> Snap:
        """Snap WGS-84 points onto their nearest walk edges."""
        x, y = self.to_metric.transform(np.atleast_1d(lon), np.atleast_1d(lat))
        if self.grid is not None:
            return self._snap_xy(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return self.snap_points(
            shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        )

    def snap_remembered(self, lon: Sequence[float], lat: Sequence[float]) -> Snap:
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
                    zip(new.edge.tolist(), new.along.tolist(), new.offset.tolist(), strict=True),
                    strict=True,
                )
            )
        # A concurrent clear() may drop what was just added: snap those again.
        known = [memory.get(k) for k in keys]
        if any(v is None for v in known):
            return self.snap(lon, lat)
        edge, along, offset = zip(*known, strict=True) if known else ((), (), ())
        return Snap(
            edge=np.array(edge, dtype=np.int64),
            along=np.array(along, dtype=np.float64),
            offset=np.array(offset, dtype=np.float64),
        )

    def walking_m(self, origin: Snap, targets: Snap, limit_m: float) -> Floats:
        """Walking metres from one snapped origin to each snapped target.

        Targets farther than ``limit_m`` (or unreachable) get ``inf``.
        """
        return graph_mod.walking_m(self.graph, origin, targets, limit_m)


def _metric(geoms: Geoms) -> tuple[int, Geoms]:
    """The network's metric CRS and its WGS-84 lines projected into it."""
    epsg = metric_epsg(geoms)
    to_metric = Transformer.from_crs(4326, epsg, always_xy=True)
    metric = shapely.transform(
        np.asarray(geoms, dtype=object),
        lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])),
    )
    return epsg, metric


def network_arrays(edges: dict[str, Any]) -> dict[str, NDArray[Any]]:
    """Every array of a network built from :func:`geo.network.sql.edges` (what the cache
    folder holds): the graph with its CSR arcs and pieces, the metric vertices, the
    segment grid, the streets and the metric CRS."""
    epsg, metric = _metric(edges["geom"])
    graph = Graph.from_ids(edges["source"], edges["target"], edges["length_m"])
    lines = Lines.from_geoms(metric)
    return {
        **graph.arrays(),
        "line_x": lines.x,
        "line_y": lines.y,
        "line_start": lines.start,
        **SegmentGrid.build(lines).arrays(),
        "street_id": np.asarray(edges["street_id"], dtype=np.int64),
        "epsg": np.array([epsg], dtype=np.int64),
    }


def cache_folder() -> Path | None:
    """Where network arrays are cached (``YIZHAN_CACHE_DIR``, else ``cache`` under the
    Yizhan home), or None when ``YIZHAN_NETWORK_CACHE`` is off: each process then builds
    its own network with shapely lines and an ``STRtree``, as before."""
    database = get_settings().database
    if not database.network_cache:
        return None
    return database.cache_dir or database.home / "cache"


def build(
    conn: psycopg.Connection[Any], key: str, version: str, root: Path | None
) -> WalkNetwork | None:
    """The network of ``version``: from the cache folder under ``root`` when a valid one
    is there, else read from the database (and cached); None for an empty network."""
    if root is None:
        edges = sql.edges(conn)
        return WalkNetwork.from_edges(edges, version) if len(edges["id"]) else None
    path = netcache.folder(root, key, version)
    cached = netcache.read(path)
    if cached is None:
        arrays = _read_arrays(conn)
        if arrays is None:
            return None
        try:
            netcache.write(path, arrays, {"key": key, "version": version})
        except OSError as exc:
            # An unwritable cache folder costs the sharing, never the answers.
            log.warning("walk network cache not written to %s: %s", path, exc)
            return WalkNetwork.from_arrays(arrays, version)
        cached = netcache.read(path)
        if cached is None:
            return WalkNetwork.from_arrays(arrays, version)
        del arrays
        _give_back()
    return WalkNetwork.from_arrays(cached[0], version)


def prepare(conn: psycopg.Connection[Any]) -> Path | None:
    """Write the cache folder of the connected database's current network if it is not
    there yet, keeping nothing in memory (``yizhan serve`` runs this before it starts
    the workers: none of them then builds, each opens the arrays on its first request).
    Returns the folder, or None when the cache is off or the network empty."""
    root = cache_folder()
    if root is None:
        return None
    version = sql.version(conn)
    path = netcache.folder(root, _key(conn), version)
    if netcache.read(path) is None:
        arrays = _read_arrays(conn)
        if arrays is None:
            return None
        netcache.write(path, arrays, {"key": _key(conn), "version": version})
        del arrays
        _give_back()
    return path


def _read_arrays(conn: psycopg.Connection[Any]) -> dict[str, NDArray[Any]] | None:
    """:func:`network_arrays` of the database's walk edges (None: no network), the edge
    rows dropped as soon as the arrays are made."""
    edges = sql.edges(conn)
    if not len(edges["id"]):
        return None
    return network_arrays(edges)


def _give_back() -> None:
    """Hand the heap freed after building a network back to the system: glibc keeps it
    in the process otherwise, and the worker that built the cache would stay large."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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
    version = sql.version(conn)
    key = _key(conn)
    cached = _cache.get(key)
    if cached is None or cached[0] != version:
        with _lock:
            cached = _cache.get(key)
            if cached is None or cached[0] != version:
                cached = (version, build(conn, key, version, cache_folder()))
                _cache[key] = cached
    return cached[1]
